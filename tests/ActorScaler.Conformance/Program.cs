namespace ActorScaler.Conformance;

// Placeholder so the skeleton builds; helper B replaces it with the real evaluator.
public static class Program
{
    public static int Main() => 1;
}
