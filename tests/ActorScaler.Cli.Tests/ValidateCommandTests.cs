using ActorScaler.Commands;
using ActorScaler.Core.Spec;
using Xunit;

namespace ActorScaler.Cli.Tests;

/// <summary>`actorscaler validate` over real files, through the command's own entry point.</summary>
public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorscaler-validate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal const string PhpApache = """
        apiVersion: autoscaling/v2beta1
        kind: HorizontalPodAutoscaler
        metadata:
         name: php-apache-hpa
        spec:
          scaleTargetRef:
            apiVersion: apps/v1beta1
            kind: Deployment
            name: php-apache
          minReplicas: 1
          maxReplicas: 3
          metrics:
          - type: Resource
            resource:
              name: cpu
              targetAverageUtilization: 30
          - type: Resource
            resource:
              name: memory
              targetAverageValue: 80Mi
        """;

    private const string Bootcamp = """
        apiVersion: autoscaling/v1
        kind: HorizontalPodAutoscaler
        metadata:
          name: kubernetes-bootcamp
          namespace: default
        spec:
          scaleTargetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: kubernetes-bootcamp
          minReplicas: 1
          maxReplicas: 10
          targetCPUUtilizationPercentage: 10
        """;

    private const string Broken = """
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: broken
          namespace: shop
        spec:
          scaleTargetRef:
            kind: Deployment
          minReplicas: 2
          maxReplicas: 0
          metrics:
          - type: Resource
            resource:
              name: cpu
              target:
                type: Utilization
                averageUtilization: 0
        """;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var files = new List<string>();
        string? output = null;
        var ignore = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-f": files.Add(args[++i]); break;
                case "-o": output = args[++i]; break;
                case "--ignore-other-kinds": ignore = true; break;
                default: throw new ArgumentException(args[i]);
            }
        }
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var settings = new ValidateCommand.Settings { Filenames = [.. files], Output = output, IgnoreOtherKinds = ignore };
        var code = ValidateCommand.Run(settings, new StringReader(""), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Valid_files_print_one_summary_line_each_and_exit_0()
    {
        var php = Write("php.yaml", PhpApache);
        var bootcamp = Write("bootcamp.yaml", Bootcamp);
        var (code, stdout, stderr) = Run("-f", php, "-f", bootcamp);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Equal(
            "default/php-apache-hpa: valid (autoscaling/v2beta1 -> autoscaling/v2), target Deployment/php-apache, replicas 1-3, metrics: cpu 30% utilization, memory 80Mi average value\n"
            + "default/kubernetes-bootcamp: valid (autoscaling/v1 -> autoscaling/v2), target Deployment/kubernetes-bootcamp, replicas 1-10, metrics: cpu 10% utilization\n",
            stdout);
    }

    [Fact]
    public void Invalid_HPAs_print_every_field_error_prefixed_and_exit_1()
    {
        var file = Write("broken.yaml", Broken);
        var (code, stdout, stderr) = Run("-f", file);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal(
            $"{file}: shop/broken: spec.maxReplicas: Invalid value: 0: must be greater than or equal to 1\n"
            + $"{file}: shop/broken: spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`\n"
            + $"{file}: shop/broken: spec.scaleTargetRef.name: Required value\n"
            + $"{file}: shop/broken: spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0\n",
            stderr);
    }

    [Fact]
    public void Output_yaml_prints_canonical_v2_documents_separated_by_dashes()
    {
        var file = Write("both.yaml", PhpApache + "\n---\n" + Bootcamp);
        var (code, stdout, _) = Run("-f", file, "-o", "yaml");
        Assert.Equal(0, code);
        Assert.Contains("\n---\n", stdout, StringComparison.Ordinal);
        var documents = HpaLoader.LoadText(stdout);
        Assert.Equal(2, documents.Count);
        Assert.All(documents, d => Assert.Equal(HpaApi.V2, d.ApiVersion));
        Assert.StartsWith("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: php-apache-hpa\n  namespace: default\n", stdout, StringComparison.Ordinal);
        Assert.Contains("        averageValue: 80Mi\n        type: AverageValue\n", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_json_prints_a_list_for_several()
    {
        var file = Write("both.yaml", PhpApache + "\n---\n" + Bootcamp);
        var (code, stdout, _) = Run("-f", file, "-o", "json");
        Assert.Equal(0, code);
        var documents = HpaLoader.LoadText(stdout);
        Assert.Equal(["document 1, items[0]", "document 1, items[1]"], documents.Select(d => d.Location));
    }

    [Fact]
    public void Missing_files_directories_and_garbage_get_one_error_line_not_a_stack_trace()
    {
        var missing = Path.Combine(_dir, "nope.yaml");
        var garbage = Write("garbage.yaml", "apiVersion: [unclosed\n  : : :");
        var scalar = Write("scalar.yaml", "hello world\n");
        var empty = Write("empty.yaml", "# nothing here\n");
        var (code, stdout, stderr) = Run("-f", missing, "-f", _dir, "-f", garbage, "-f", scalar, "-f", empty);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var lines = stderr.TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.Equal($"error: {missing}: no such file", lines[0]);
        Assert.Equal($"error: {_dir}: is a directory, not a manifest file", lines[1]);
        Assert.StartsWith($"error: {garbage}: document 1: error converting YAML to JSON: yaml: line ", lines[2], StringComparison.Ordinal);
        Assert.Equal($"error: {scalar}: document 1: not a Kubernetes object (a mapping with apiVersion and kind)", lines[3]);
        Assert.Equal($"error: {empty}: no objects passed to validate", lines[4]);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_kinds_fail_unless_ignored()
    {
        var file = Write("app.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: php-apache\n---\n" + PhpApache);
        var (code, stdout, stderr) = Run("-f", file);
        Assert.Equal(1, code);
        Assert.Equal($"error: {file}: document 1: apps/v1 Deployment (php-apache) is not a HorizontalPodAutoscaler (--ignore-other-kinds skips it)\n", stderr);
        Assert.StartsWith("default/php-apache-hpa: valid", stdout, StringComparison.Ordinal);

        var (ignored, _, quiet) = Run("-f", file, "--ignore-other-kinds");
        Assert.Equal(0, ignored);
        Assert.Equal("", quiet);
    }

    [Fact]
    public void Decode_errors_name_the_field_like_the_API_server()
    {
        var file = Write("typed.yaml", PhpApache.Replace("maxReplicas: 3", "maxReplicas: three", StringComparison.Ordinal));
        var (code, _, stderr) = Run("-f", file);
        Assert.Equal(1, code);
        Assert.Equal(
            $"error: {file}: document 1 (php-apache-hpa): HorizontalPodAutoscaler in version \"v2beta1\" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal string into Go struct field HorizontalPodAutoscalerSpec.spec.maxReplicas of type int32\n",
            stderr);
    }

    [Fact]
    public void Bad_flags_exit_2()
    {
        var file = Write("php.yaml", PhpApache);
        Assert.Equal(2, Run("-f", file, "-o", "wide").Code);
        Assert.Equal(2, Run().Code);
    }
}

/// <summary>The command as the installed binary runs it: Program.Main with the process's console.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class ProgramMainTests
{
    [Fact]
    public void Main_runs_validate_with_repeated_filename_flags()
    {
        var dir = Directory.CreateTempSubdirectory("actorscaler-main-").FullName;
        try
        {
            var file = Path.Combine(dir, "php.yaml");
            File.WriteAllText(file, ValidateCommandTests.PhpApache);
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            Console.SetOut(stdout);
            Console.SetError(stderr);
            int code;
            try
            {
                code = Program.Main(["validate", "-f", file, "--filename", file]);
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
            Assert.Equal(0, code);
            Assert.Equal(2, stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.StartsWith("default/php-apache-hpa: valid (autoscaling/v2beta1 -> autoscaling/v2)", stdout.ToString(), StringComparison.Ordinal);
            Assert.Equal("", stderr.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;
