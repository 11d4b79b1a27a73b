using ActorScaler.Core.Spec;
using ActorScaler.WhatIf.Inputs;
using ActorScaler.WhatIf.Load;
using ActorScaler.WhatIf.Workload;

namespace ActorScaler.WhatIf.Engine;

/// <summary>An HPA loaded from a file, with the name it is shown under.</summary>
public sealed record NamedHpa(string Label, string File, HorizontalPodAutoscaler Hpa);

/// <summary>
/// Everything `actorscaler simulate` reads, checked together: one or two HPAs, the workload they
/// scale and the load. Each check fails with the file, the field and what upstream would say.
/// </summary>
public sealed record WhatIfScenario
{
    public required IReadOnlyList<NamedHpa> Hpas { get; init; }
    public required WorkloadSpec Workload { get; init; }
    public required LoadProfile Load { get; init; }

    public static WhatIfScenario Read(string hpaFile, string workloadFile, string loadFile, string? compareFile)
    {
        var workload = WorkloadReader.ReadFile(workloadFile);
        var load = LoadProfileReader.ReadFile(loadFile);
        var hpas = new List<NamedHpa> { LoadHpa(hpaFile, workload) };
        if (compareFile is not null)
            hpas.Add(LoadHpa(compareFile, workload));
        if (hpas.Count == 2 && hpas[0].Label == hpas[1].Label)
        {
            // Same metadata.name in both files: tell them apart by file name in the chart and table.
            hpas = hpas.Select(h => h with { Label = Path.GetFileNameWithoutExtension(h.File) }).ToList();
        }
        return new WhatIfScenario { Hpas = hpas, Workload = workload, Load = load };
    }

    private static NamedHpa LoadHpa(string file, WorkloadSpec workload)
    {
        if (!System.IO.File.Exists(file))
            throw new SimulationInputException(file, null, "file not found");
        var hpa = HpaInput.Read(file, System.IO.File.ReadAllText(file));
        WorkloadChecks.CheckTarget(file, hpa, workload);
        WorkloadChecks.CheckRequests(file, hpa, workload);
        return new NamedHpa(hpa.Metadata.Name.Length > 0 ? hpa.Metadata.Name : Path.GetFileNameWithoutExtension(file), file, hpa);
    }
}
