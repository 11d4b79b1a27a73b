using ActorScaler.Core.Spec;
using ActorScaler.Core.Validation;

namespace ActorScaler.WhatIf.Inputs;

/// <summary>
/// Reads an HPA manifest exactly as the API server would take it, through the core's loader
/// (any served version, converted and defaulted) and validator; the first HPA of the file is used.
/// </summary>
internal static class HpaInput
{
    public static HorizontalPodAutoscaler Read(string file, string text)
    {
        var documents = HpaLoader.LoadText(text);
        foreach (var document in documents)
        {
            switch (document.Kind)
            {
                case HpaDocumentKind.Error:
                    throw new SimulationInputException(file, document.Location, document.Error ?? "not a valid HorizontalPodAutoscaler");
                case HpaDocumentKind.Hpa:
                    var hpa = document.Hpa!;
                    var errors = HpaValidator.Validate(hpa);
                    if (errors.Count > 0)
                    {
                        var fields = string.Join(", ", errors.Select(e => e.Field).Distinct(StringComparer.Ordinal));
                        throw new SimulationInputException(file, $"{document.Location}, {fields}", HpaValidator.InvalidMessage(hpa.Metadata.Name, errors));
                    }
                    return hpa;
            }
        }
        var kinds = string.Join(", ", documents.Select(d => d.ObjectKind ?? "(no kind)"));
        throw new SimulationInputException(file, null,
            documents.Count == 0 ? "no objects in the file" : $"no HorizontalPodAutoscaler in the file (found {kinds})");
    }
}
