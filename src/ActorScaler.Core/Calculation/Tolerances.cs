namespace ActorScaler.Core.Calculation;

/// <summary>
/// replica_calculator.go Tolerances: a usage ratio r is "within tolerance" (no change) when
/// 1 - ScaleDown &lt;= r &lt;= 1 + ScaleUp. One cluster value for both sides unless the HPA overrides a side
/// (KEP-4951, behavior.scaleUp/scaleDown.tolerance).
/// </summary>
public readonly record struct Tolerances(double ScaleDown, double ScaleUp)
{
    public static Tolerances Uniform(double tolerance) => new(tolerance, tolerance);

    public bool IsWithin(double usageRatio) => 1.0 - ScaleDown <= usageRatio && usageRatio <= 1.0 + ScaleUp;
}
