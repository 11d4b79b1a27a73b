namespace ActorScaler.Core.Quantities;

/// <summary>Kubernetes resource.Quantity. API SURFACE ONLY: being implemented (helper A).</summary>
public readonly partial struct Quantity : IEquatable<Quantity>, IComparable<Quantity>
{
    public static Quantity Parse(string text) => throw new NotImplementedException();
    public static bool TryParse(string? text, out Quantity quantity, out string? error) => throw new NotImplementedException();
    /// <summary>A milli-valued quantity, e.g. FromMilli(1500, QuantityFormat.DecimalSI) prints "1500m".</summary>
    public static Quantity FromMilli(long milli, QuantityFormat format = QuantityFormat.DecimalSI) => throw new NotImplementedException();
    public static Quantity FromInt64(long value, QuantityFormat format = QuantityFormat.DecimalSI) => throw new NotImplementedException();
    /// <summary>apimachinery MilliValue(): rounded up (away from zero for positive), saturating at int64.</summary>
    public long MilliValue() => throw new NotImplementedException();
    /// <summary>apimachinery Value(): rounded up to an integer.</summary>
    public long Value() => throw new NotImplementedException();
    public double ToDouble() => throw new NotImplementedException();
    public QuantityFormat Format => throw new NotImplementedException();
    public bool Equals(Quantity other) => throw new NotImplementedException();
    public override bool Equals(object? obj) => obj is Quantity q && Equals(q);
    public override int GetHashCode() => throw new NotImplementedException();
    public int CompareTo(Quantity other) => throw new NotImplementedException();
    /// <summary>Canonical form, exactly as apimachinery's Quantity.String().</summary>
    public override string ToString() => throw new NotImplementedException();
    public static bool operator ==(Quantity a, Quantity b) => a.Equals(b);
    public static bool operator !=(Quantity a, Quantity b) => !a.Equals(b);
    public static bool operator <(Quantity a, Quantity b) => a.CompareTo(b) < 0;
    public static bool operator >(Quantity a, Quantity b) => a.CompareTo(b) > 0;
    public static bool operator <=(Quantity a, Quantity b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Quantity a, Quantity b) => a.CompareTo(b) >= 0;
}

public enum QuantityFormat
{
    DecimalSI,
    BinarySI,
    DecimalExponent,
}
