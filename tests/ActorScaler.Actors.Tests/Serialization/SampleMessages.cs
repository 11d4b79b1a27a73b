using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;

namespace ActorScaler.Actors.Tests.Serialization;

/// <summary>
/// Representative instances of any message type, built through its widest constructor (then its settable
/// and init-only properties) with a distinct, non-default value in every field (so a codec that drops or swaps a field shows up), recursively for
/// nested records and collections (one or two elements each). Types whose constructors check their
/// arguments can be given a hand-made sample in <see cref="Overrides"/>.
/// </summary>
internal sealed class SampleMessages
{
    private const int MaxDepth = 6;
    private int _counter;

    /// <summary>Hand-made samples for types the generic builder cannot satisfy.</summary>
    public static readonly IReadOnlyDictionary<Type, Func<object>> Overrides = new Dictionary<Type, Func<object>>();

    public object Create(Type type) => Create(type, 0, type.Name);

    private object Create(Type type, int depth, string path)
    {
        if (Overrides.TryGetValue(type, out var make))
            return make();
        if (depth > MaxDepth)
            throw new InvalidOperationException($"cannot build a sample: {path} nests deeper than {MaxDepth} levels");
        var n = ++_counter;
        if (Nullable.GetUnderlyingType(type) is { } underlying)
            return Create(underlying, depth, path);
        if (type == typeof(string)) return $"{path.Split('.')[^1].ToLowerInvariant()}-{n}";
        if (type == typeof(int)) return 10 + n;
        if (type == typeof(long)) return 1_750_000_000_000_000_000L + n;
        if (type == typeof(double)) return 0.25 + n;
        if (type == typeof(float)) return 0.5f + n;
        if (type == typeof(decimal)) return 1.5m + n;
        if (type == typeof(bool)) return true;
        if (type == typeof(byte)) return (byte)n;
        if (type == typeof(short)) return (short)n;
        if (type == typeof(uint)) return (uint)(100 + n);
        if (type == typeof(ulong)) return (ulong)(100 + n);
        if (type == typeof(Guid)) return new Guid(n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        if (type == typeof(TimeSpan)) return TimeSpan.FromSeconds(15 + n);
        if (type == typeof(DateTimeOffset)) return new DateTimeOffset(2026, 11, 25, 22, 0, n % 60, TimeSpan.Zero);
        if (type == typeof(DateTime)) return new DateTime(2026, 11, 25, 22, 0, n % 60, DateTimeKind.Utc);
        if (type.IsEnum)
        {
            var values = Enum.GetValues(type);
            // The last value, not the default: a codec that forgets the field is caught.
            return values.GetValue(values.Length - 1)!;
        }
        if (type.IsArray)
        {
            var element = type.GetElementType()!;
            var array = Array.CreateInstance(element, 2);
            array.SetValue(Create(element, depth + 1, path + "[0]"), 0);
            array.SetValue(Create(element, depth + 1, path + "[1]"), 1);
            return array;
        }
        if (type.IsGenericType && Collection(type, depth, path) is { } collection)
            return collection;
        return Construct(type, depth, path);
    }

    private object? Collection(Type type, int depth, string path)
    {
        var definition = type.GetGenericTypeDefinition();
        var args = type.GetGenericArguments();
        if (args.Length == 1 && (definition == typeof(ImmutableArray<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IEnumerable<>)
                                 || definition == typeof(IReadOnlyCollection<>) || definition == typeof(IList<>) || definition == typeof(List<>)
                                 || definition == typeof(ImmutableList<>) || definition == typeof(IImmutableList<>)))
        {
            var items = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(args[0]))!;
            items.Add(Create(args[0], depth + 1, path + "[0]"));
            items.Add(Create(args[0], depth + 1, path + "[1]"));
            if (definition == typeof(ImmutableArray<>))
                return typeof(ImmutableArray).GetMethods().First(m => m.Name == nameof(ImmutableArray.CreateRange) && m.GetParameters().Length == 1)
                    .MakeGenericMethod(args[0]).Invoke(null, [items]);
            if (definition == typeof(ImmutableList<>) || definition == typeof(IImmutableList<>))
                return typeof(ImmutableList).GetMethods().First(m => m.Name == nameof(ImmutableList.CreateRange) && m.GetParameters().Length == 1)
                    .MakeGenericMethod(args[0]).Invoke(null, [items]);
            return items;
        }
        if (args.Length == 2 && (definition == typeof(IReadOnlyDictionary<,>) || definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>)
                                 || definition == typeof(ImmutableDictionary<,>) || definition == typeof(IImmutableDictionary<,>)))
        {
            var map = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(args))!;
            map[Create(args[0], depth + 1, path + ".key")] = Create(args[1], depth + 1, path + ".value");
            if (definition == typeof(ImmutableDictionary<,>) || definition == typeof(IImmutableDictionary<,>))
                return typeof(ImmutableDictionary).GetMethods().First(m => m.Name == nameof(ImmutableDictionary.ToImmutableDictionary) && m.GetParameters().Length == 1)
                    .MakeGenericMethod(args).Invoke(null, [map]);
            return map;
        }
        return null;
    }

    private object Construct(Type type, int depth, string path)
    {
        if (type.IsAbstract || type.IsInterface)
            throw new InvalidOperationException($"cannot build a sample of {path} ({type.FullName}): abstract; add one to SampleMessages.Overrides");
        var constructor = type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Where(c => !c.GetParameters().Any(p => p.ParameterType == type))
            .OrderByDescending(c => c.GetParameters().Length)
            .FirstOrDefault()
            ?? throw new InvalidOperationException($"cannot build a sample of {path} ({type.FullName}): no constructor; add one to SampleMessages.Overrides");
        var arguments = constructor.GetParameters()
            .Select(p => Create(p.ParameterType, depth + 1, $"{path}.{p.Name}"))
            .ToArray();
        try
        {
            var instance = constructor.Invoke(arguments);
            // Members set by object initializers (required/init properties) are fields too.
            var covered = constructor.GetParameters().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.SetMethod is { IsPublic: true } && property.GetIndexParameters().Length == 0 && !covered.Contains(property.Name)
                    && property.Name != "EqualityContract")
                {
                    property.SetValue(instance, Create(property.PropertyType, depth + 1, $"{path}.{property.Name}"));
                }
            }
            return instance;
        }
        catch (TargetInvocationException ex)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"cannot build a sample of {path} ({type.FullName}): its constructor rejected generated values ({ex.InnerException?.Message}); add one to SampleMessages.Overrides"), ex);
        }
    }
}
