namespace ActorScaler.Core.Calculation;

/// <summary>Numeric conversions with Go's intent and without its undefined out-of-range behaviour.</summary>
public static class ReplicaMath
{
    /// <summary>int32(math.Ceil(x)), clamped to the int32 range (upstream clamps some call sites; we clamp all).</summary>
    public static int CeilToInt32(double value)
    {
        if (double.IsNaN(value))
        {
            // Only reachable with a zero target, which validation rejects; no change is the safe answer.
            return 0;
        }
        var ceiling = Math.Ceiling(value);
        if (ceiling >= int.MaxValue)
        {
            return int.MaxValue;
        }
        return ceiling <= int.MinValue ? int.MinValue : (int)ceiling;
    }

    /// <summary>int32(x) for a float truncated toward zero, clamped to the int32 range.</summary>
    public static int TruncateToInt32(double value)
    {
        if (double.IsNaN(value))
        {
            return 0;
        }
        if (value >= int.MaxValue)
        {
            return int.MaxValue;
        }
        return value <= int.MinValue ? int.MinValue : (int)value;
    }

    /// <summary>int64(math.Ceil(x)), clamped to the int64 range.</summary>
    public static long CeilToInt64(double value)
    {
        if (double.IsNaN(value))
        {
            return 0;
        }
        var ceiling = Math.Ceiling(value);
        // (double)long.MaxValue rounds up to 2^63, which is already out of range.
        if (ceiling >= 9.2233720368547758E18)
        {
            return long.MaxValue;
        }
        return ceiling <= long.MinValue ? long.MinValue : (long)ceiling;
    }

    /// <summary>a + b saturating at the int64 range instead of wrapping (external metric sums).</summary>
    public static long AddSaturating(long a, long b, ref bool saturated)
    {
        var sum = unchecked(a + b);
        if (((a ^ sum) & (b ^ sum)) < 0)
        {
            saturated = true;
            return a > 0 ? long.MaxValue : long.MinValue;
        }
        return sum;
    }
}
