using System.Text.Json.Nodes;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// Defaulting and validation of an HPA in its stored autoscaling/v2 form before it is written,
/// reported as kube-apiserver reports it: 422 Invalid with one Status cause per field error.
/// </summary>
internal static class HpaAdmission
{
    public static void Validate(JsonObject v2, JsonObject? old, bool statusUpdate) => CoreHpaConverter.Admit(v2, old, statusUpdate);
}
