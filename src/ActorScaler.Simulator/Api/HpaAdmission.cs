using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// Validation of an HPA in its stored autoscaling/v2 form before it is written, reported as
/// kube-apiserver reports it: 422 Invalid with one Status cause per field error.
/// </summary>
internal static class HpaAdmission
{
    /// <summary>Throws a 422 StatusException listing every field error.</summary>
    public static void Validate(JsonObject v2)
    {
        var causes = HpaValidation.Validate(v2);
        if (causes.Count > 0)
        {
            throw StatusException.Invalid("autoscaling", "HorizontalPodAutoscaler", (string?)v2["metadata"]?["name"] ?? "", causes);
        }
    }
}
