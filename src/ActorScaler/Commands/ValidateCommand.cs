using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ActorScaler.Core.Spec;
using ActorScaler.Core.Validation;
using Spectre.Console.Cli;

namespace ActorScaler.Commands;

/// <summary>
/// `actorscaler validate -f FILE [-f FILE...] [-o yaml|json]`: loads HPA manifests in any served
/// version as the API server would (conversion, defaulting, validation) and reports each one.
/// </summary>
public sealed class ValidateCommand : Command<ValidateCommand.Settings>
{
    public const int ValidExitCode = 0;
    public const int InvalidExitCode = 1;
    /// <summary>Bad flags, as a command-line parse error.</summary>
    public const int UsageExitCode = 2;

    public sealed class Settings : CommandSettings
    {
        [CommandOption("-f|--filename <FILE>")]
        [Description("A manifest (YAML, multi-document, or JSON); repeat for several; '-' reads standard input.")]
        public string[] Filenames { get; init; } = [];

        [CommandOption("-o|--output <FORMAT>")]
        [Description("Print the valid HPAs in canonical autoscaling/v2 form with defaults applied: yaml or json.")]
        public string? Output { get; init; }

        [CommandOption("-n|--namespace <NAMESPACE>")]
        [Description("Namespace for documents without one (default: default).")]
        public string Namespace { get; init; } = "default";

        [CommandOption("--ignore-other-kinds")]
        [Description("Skip documents that are not HorizontalPodAutoscalers instead of failing on them.")]
        public bool IgnoreOtherKinds { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        Run(settings, Console.In, Console.Out, Console.Error);

    /// <summary>The whole command over explicit streams, so tests run it in process.</summary>
    public static int Run(Settings settings, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (settings.Filenames.Length == 0)
        {
            stderr.WriteLine("error: must specify one of -f and -k");
            return UsageExitCode;
        }
        var output = settings.Output?.ToLowerInvariant();
        if (output is not (null or "yaml" or "json"))
        {
            stderr.WriteLine($"error: unable to match a printer suitable for the output format \"{settings.Output}\", allowed formats are: json,yaml");
            return UsageExitCode;
        }

        var options = new HpaLoadOptions { DefaultNamespace = settings.Namespace };
        var exitCode = ValidExitCode;
        var canonical = new List<HorizontalPodAutoscaler>();
        foreach (var file in settings.Filenames)
        {
            if (!TryRead(file, stdin, out var text, out var readError))
            {
                stderr.WriteLine($"error: {file}: {readError}");
                exitCode = InvalidExitCode;
                continue;
            }
            var documents = HpaLoader.LoadText(text, options);
            if (documents.Count == 0)
            {
                stderr.WriteLine($"error: {file}: no objects passed to validate");
                exitCode = InvalidExitCode;
                continue;
            }
            foreach (var document in documents)
            {
                if (!Report(file, document, settings, output is null, stdout, stderr, canonical))
                {
                    exitCode = InvalidExitCode;
                }
            }
        }

        if (output == "yaml")
        {
            stdout.Write(string.Join("---\n", canonical.Select(h => HpaEncoder.ToYaml(h, HpaApi.V2))));
        }
        else if (output == "json")
        {
            stdout.WriteLine(canonical.Count == 1
                ? HpaEncoder.ToJson(canonical[0], HpaApi.V2)
                : new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "List",
                    ["items"] = new JsonArray(canonical.Select(h => (JsonNode?)HpaEncoder.Encode(h, HpaApi.V2)).ToArray()),
                }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        }
        return exitCode;
    }

    private static bool TryRead(string file, TextReader stdin, out string text, out string? error)
    {
        text = "";
        error = null;
        try
        {
            if (file == "-")
            {
                text = stdin.ReadToEnd();
                return true;
            }
            if (Directory.Exists(file))
            {
                error = "is a directory, not a manifest file";
                return false;
            }
            text = File.ReadAllText(file, Encoding.UTF8);
            return true;
        }
        catch (FileNotFoundException)
        {
            error = "no such file";
        }
        catch (DirectoryNotFoundException)
        {
            error = "no such file (the directory does not exist)";
        }
        catch (UnauthorizedAccessException)
        {
            error = "permission denied";
        }
        catch (IOException ex)
        {
            error = ex.Message;
        }
        return false;
    }

    // One document: a summary line (or nothing with -o), the field errors, or one error line.
    private static bool Report(
        string file, HpaDocument document, Settings settings, bool summarize, TextWriter stdout, TextWriter stderr,
        List<HorizontalPodAutoscaler> canonical)
    {
        var named = document.Name is { Length: > 0 } name ? $" ({name})" : "";
        switch (document.Kind)
        {
            case HpaDocumentKind.NotHpa:
                if (settings.IgnoreOtherKinds)
                {
                    return true;
                }
                stderr.WriteLine($"error: {file}: {document.Location}: {document.ApiVersion} {document.ObjectKind}{named} is not a HorizontalPodAutoscaler (--ignore-other-kinds skips it)");
                return false;
            case HpaDocumentKind.Error:
                stderr.WriteLine($"error: {file}: {document.Location}{named}: {document.Error}");
                return false;
        }

        var hpa = document.Hpa!;
        var errors = HpaValidator.Validate(hpa);
        if (errors.Count > 0)
        {
            foreach (var error in errors.Select(e => e.ToString()).Distinct(StringComparer.Ordinal))
            {
                stderr.WriteLine($"{file}: {hpa.Key}: {error}");
            }
            return false;
        }
        canonical.Add(hpa);
        if (summarize)
        {
            stdout.WriteLine($"{hpa.Key}: {Summary(hpa, document.ApiVersion!)}");
        }
        return true;
    }

    /// <summary>"valid (autoscaling/v2beta1 -> autoscaling/v2), target Deployment/php-apache, replicas 1-3, metrics: ..."</summary>
    public static string Summary(HorizontalPodAutoscaler hpa, string apiVersion)
    {
        var versions = apiVersion == HpaApi.V2 ? HpaApi.V2 : $"{apiVersion} -> {HpaApi.V2}";
        var spec = hpa.Spec;
        var metrics = string.Join(", ", spec.Metrics.Select(DescribeMetric));
        var text = $"valid ({versions}), target {spec.ScaleTargetRef.Kind}/{spec.ScaleTargetRef.Name}, "
            + $"replicas {spec.MinReplicas?.ToString(CultureInfo.InvariantCulture) ?? "1"}-{spec.MaxReplicas.ToString(CultureInfo.InvariantCulture)}, metrics: {metrics}";
        if (spec.Behavior is { } behavior)
        {
            text += $", behavior: scale up {DescribeRules(behavior.ScaleUp)}; scale down {DescribeRules(behavior.ScaleDown)}";
        }
        return text;
    }

    private static string DescribeTarget(MetricTarget target) => target.Type switch
    {
        MetricTargetType.Utilization => $"{target.AverageUtilization?.ToString(CultureInfo.InvariantCulture)}% utilization",
        MetricTargetType.AverageValue => $"{target.AverageValue} average value",
        _ => $"{target.Value} value",
    };

    private static string DescribeMetric(MetricSpec metric) => metric.Type switch
    {
        MetricSourceType.Resource when metric.Resource is { } r => $"{r.Name} {DescribeTarget(r.Target)}",
        MetricSourceType.ContainerResource when metric.ContainerResource is { } c =>
            $"{c.Name} of container {c.Container} {DescribeTarget(c.Target)}",
        MetricSourceType.Pods when metric.Pods is { } p => $"pods metric {p.Metric.Name} {DescribeTarget(p.Target)}",
        MetricSourceType.Object when metric.Object is { } o =>
            $"object metric {o.Metric.Name} of {o.DescribedObject.Kind}/{o.DescribedObject.Name} {DescribeTarget(o.Target)}",
        MetricSourceType.External when metric.External is { } e => $"external metric {e.Metric.Name} {DescribeTarget(e.Target)}",
        _ => metric.Type,
    };

    private static string DescribeRules(HpaScalingRules? rules)
    {
        if (rules is null)
        {
            return "default";
        }
        var window = rules.StabilizationWindowSeconds is { } seconds
            ? $"window {seconds.ToString(CultureInfo.InvariantCulture)}s"
            : "window from the controller flag";
        var policies = string.Join(" ", (rules.Policies ?? []).Select(p =>
            $"{p.Value.ToString(CultureInfo.InvariantCulture)}{(p.Type == HpaScalingPolicyType.Percent ? "%" : " pods")}/{p.PeriodSeconds.ToString(CultureInfo.InvariantCulture)}s"));
        var tolerance = rules.Tolerance is { } t ? $", tolerance {t}" : "";
        return $"{window}, {rules.SelectPolicy} of [{policies}]{tolerance}";
    }
}
