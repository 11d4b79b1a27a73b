using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace ActorScaler.Deploy.Tests;

/// <summary>Every manifest under deploy/, loaded with KubernetesClient's YAML loader into typed objects.</summary>
internal sealed partial class DeployManifests
{
    public const string Directory = "deploy";
    public const string Kustomization = "kustomization.yaml";

    private DeployManifests(IReadOnlyList<(string File, IKubernetesObject<V1ObjectMeta> Object)> objects) => Objects = objects;

    public IReadOnlyList<(string File, IKubernetesObject<V1ObjectMeta> Object)> Objects { get; }

    /// <summary>The manifest files kubectl applies (everything but the kustomization).</summary>
    public static IReadOnlyList<string> Files =>
        System.IO.Directory.GetFiles(Repository.Path(Directory), "*.yaml")
            .Where(f => Path.GetFileName(f) != Kustomization)
            .Order(StringComparer.Ordinal)
            .ToList();

    public static DeployManifests Load()
    {
        var objects = new List<(string, IKubernetesObject<V1ObjectMeta>)>();
        foreach (var file in Files)
        {
            foreach (var obj in KubernetesYaml.LoadAllFromString(File.ReadAllText(file)))
            {
                if (obj is not IKubernetesObject<V1ObjectMeta> typed)
                    throw new InvalidDataException($"{Path.GetFileName(file)}: {obj.GetType().Name} is not a typed Kubernetes object");
                objects.Add((Path.GetFileName(file), typed));
            }
        }
        return new DeployManifests(objects);
    }

    public T Single<T>(string? name = null) where T : IKubernetesObject<V1ObjectMeta> =>
        Objects.Select(o => o.Object).OfType<T>().Single(o => name is null || o.Metadata.Name == name);

    public IEnumerable<T> All<T>() => Objects.Select(o => o.Object).OfType<T>();

    /// <summary>An env value with $(VAR) references expanded as the kubelet does, from earlier variables.</summary>
    public static IReadOnlyDictionary<string, string> ExpandEnvironment(IEnumerable<V1EnvVar> env, IReadOnlyDictionary<string, string> fieldRefs)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in env)
        {
            if (variable.ValueFrom?.FieldRef?.FieldPath is { } path)
            {
                values[variable.Name] = fieldRefs.TryGetValue(path, out var v) ? v : throw new InvalidDataException($"env {variable.Name}: no value for fieldRef {path}");
                continue;
            }
            values[variable.Name] = Reference().Replace(variable.Value ?? "", m =>
                values.TryGetValue(m.Groups[1].Value, out var known) ? known : m.Value);
        }
        return values;
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
