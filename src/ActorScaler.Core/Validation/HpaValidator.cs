using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Validation;

public sealed record HpaValidationOptions
{
    /// <summary>HPAScaleToZero: minReplicas 0 is allowed with an Object or External metric (on, as in v1.37).</summary>
    public bool ScaleToZero { get; init; } = true;
}

/// <summary>
/// pkg/apis/autoscaling/validation/validation.go (ValidateHorizontalPodAutoscaler) over the canonical,
/// defaulted model, rule for rule and message for message, in upstream's order.
/// </summary>
public static class HpaValidator
{
    /// <summary>MaxPeriodSeconds: the largest scaling policy period.</summary>
    public const int MaxPeriodSeconds = 1800;

    /// <summary>MaxStabilizationWindowSeconds: the largest stabilization window.</summary>
    public const int MaxStabilizationWindowSeconds = 3600;

    /// <summary>schema.GroupKind{autoscaling, HorizontalPodAutoscaler}.String().</summary>
    public const string QualifiedKind = HpaApi.Kind + "." + HpaApi.Group;

    public static IReadOnlyList<FieldError> Validate(HorizontalPodAutoscaler hpa, HpaValidationOptions? options = null)
    {
        options ??= new HpaValidationOptions();
        var errors = ValidateObjectMeta(hpa.Metadata, "metadata");
        var minReplicasLowerBound = options.ScaleToZero ? 0 : 1;
        errors.AddRange(ValidateSpec(hpa.Spec, "spec", minReplicasLowerBound));
        return errors;
    }

    /// <summary>
    /// ValidateHorizontalPodAutoscalerUpdate: the identity fields stay, and minReplicas 0 stays
    /// allowed for an HPA that already has it even with the scale-to-zero gate off.
    /// </summary>
    public static IReadOnlyList<FieldError> ValidateUpdate(
        HorizontalPodAutoscaler updated, HorizontalPodAutoscaler old, HpaValidationOptions? options = null)
    {
        options ??= new HpaValidationOptions();
        var errors = new List<FieldError>();
        Immutable(errors, "metadata.name", updated.Metadata.Name, old.Metadata.Name);
        Immutable(errors, "metadata.namespace", updated.Metadata.Namespace, old.Metadata.Namespace);
        if (old.Metadata.Uid is { Length: > 0 } uid)
        {
            Immutable(errors, "metadata.uid", updated.Metadata.Uid ?? "", uid);
        }
        var lowerBound = options.ScaleToZero || old.Spec.MinReplicas == 0 ? 0 : 1;
        errors.AddRange(ValidateSpec(updated.Spec, "spec", lowerBound));
        return errors;
    }

    /// <summary>ValidateHorizontalPodAutoscalerStatusUpdate: replica counts are not negative.</summary>
    public static IReadOnlyList<FieldError> ValidateStatusUpdate(HorizontalPodAutoscaler updated, HorizontalPodAutoscaler old)
    {
        var errors = new List<FieldError>();
        Immutable(errors, "metadata.name", updated.Metadata.Name, old.Metadata.Name);
        Immutable(errors, "metadata.namespace", updated.Metadata.Namespace, old.Metadata.Namespace);
        if (updated.Status.CurrentReplicas < 0)
        {
            errors.Add(FieldError.Invalid("status.currentReplicas", updated.Status.CurrentReplicas, "must be greater than or equal to 0"));
        }
        if (updated.Status.DesiredReplicas < 0)
        {
            errors.Add(FieldError.Invalid("status.desiredReplicas", updated.Status.DesiredReplicas, "must be greater than or equal to 0"));
        }
        return errors;
    }

    // apivalidation.ValidateImmutableField.
    private static void Immutable(List<FieldError> errors, string path, string updated, string old)
    {
        if (updated != old)
        {
            errors.Add(FieldError.Invalid(path, updated, "field is immutable"));
        }
    }

    /// <summary>
    /// The message of kube-apiserver's 422 (errors.NewInvalid): repeated messages once, a single
    /// error without brackets.
    /// </summary>
    public static string InvalidMessage(string name, IReadOnlyList<FieldError> errors) =>
        errors.Count == 0
            ? $"{QualifiedKind} {GoValue.Quote(name)} is invalid"
            : $"{QualifiedKind} {GoValue.Quote(name)} is invalid: {GoValue.Aggregate(errors.Select(e => e.ToString()))}";

    // apivalidation.ValidateObjectMeta with ValidateReplicationControllerName (a DNS subdomain) and a
    // required namespace (a DNS label).
    private static List<FieldError> ValidateObjectMeta(ObjectMeta meta, string path)
    {
        var errors = new List<FieldError>();
        if (!string.IsNullOrEmpty(meta.GenerateName))
        {
            foreach (var message in NameValidation.IsDns1123Subdomain(MaskTrailingDash(meta.GenerateName)))
            {
                errors.Add(FieldError.Invalid(path + ".generateName", meta.GenerateName, message));
            }
        }
        if (meta.Name.Length == 0)
        {
            // The API server generates the name from generateName before validating.
            if (string.IsNullOrEmpty(meta.GenerateName))
            {
                errors.Add(FieldError.Required(path + ".name", "name or generateName is required"));
            }
        }
        else
        {
            foreach (var message in NameValidation.IsDns1123Subdomain(meta.Name))
            {
                errors.Add(FieldError.Invalid(path + ".name", meta.Name, message));
            }
        }
        if (meta.Namespace.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".namespace"));
        }
        else
        {
            foreach (var message in NameValidation.IsDns1123Label(meta.Namespace))
            {
                errors.Add(FieldError.Invalid(path + ".namespace", meta.Namespace, message));
            }
        }
        if (meta.Generation < 0)
        {
            errors.Add(FieldError.Invalid(path + ".generation", meta.Generation, "must be greater than or equal to 0"));
        }
        errors.AddRange(Selector.ValidateLabels(meta.Labels, path + ".labels"));
        foreach (var key in meta.Annotations.Keys.Order(StringComparer.Ordinal))
        {
            // The rule is QualifiedName except that case does not matter.
            foreach (var message in NameValidation.IsQualifiedName(key.ToLowerInvariant()))
            {
                errors.Add(FieldError.Invalid(path + ".annotations", key, message));
            }
        }
        return errors;
    }

    // A generateName prefix may end in '-': the generated suffix follows it.
    private static string MaskTrailingDash(string name) =>
        name.Length > 1 && name[^1] == '-' ? name[..^2] + "a" : name;

    private static List<FieldError> ValidateSpec(HorizontalPodAutoscalerSpec spec, string path, int minReplicasLowerBound)
    {
        var errors = new List<FieldError>();
        if (spec.MinReplicas is { } min && min < minReplicasLowerBound)
        {
            errors.Add(FieldError.Invalid(path + ".minReplicas", min, $"must be greater than or equal to {minReplicasLowerBound}"));
        }
        if (spec.MaxReplicas < 1)
        {
            errors.Add(FieldError.Invalid(path + ".maxReplicas", spec.MaxReplicas, "must be greater than or equal to 1"));
        }
        if (spec.MinReplicas is { } lower && spec.MaxReplicas < lower)
        {
            errors.Add(FieldError.Invalid(path + ".maxReplicas", spec.MaxReplicas, "must be greater than or equal to `minReplicas`"));
        }
        errors.AddRange(ValidateCrossVersionObjectReference(spec.ScaleTargetRef, path + ".scaleTargetRef"));
        errors.AddRange(ValidateMetrics(spec.Metrics, path + ".metrics", spec.MinReplicas));
        errors.AddRange(ValidateBehavior(spec.Behavior, path + ".behavior"));
        return errors;
    }

    /// <summary>ValidateCrossVersionObjectReference: kind and name required, both valid path segments.</summary>
    public static List<FieldError> ValidateCrossVersionObjectReference(CrossVersionObjectReference reference, string path)
    {
        var errors = new List<FieldError>();
        if (reference.Kind.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".kind"));
        }
        else
        {
            errors.AddRange(NameValidation.IsValidPathSegmentName(reference.Kind).Select(m => FieldError.Invalid(path + ".kind", reference.Kind, m)));
        }
        if (reference.Name.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".name"));
        }
        else
        {
            errors.AddRange(NameValidation.IsValidPathSegmentName(reference.Name).Select(m => FieldError.Invalid(path + ".name", reference.Name, m)));
        }
        return errors;
    }

    private static List<FieldError> ValidateMetrics(IReadOnlyList<MetricSpec> metrics, string path, int? minReplicas)
    {
        var errors = new List<FieldError>();
        var hasObjectOrExternal = false;
        for (var i = 0; i < metrics.Count; i++)
        {
            errors.AddRange(ValidateMetricSpec(metrics[i], $"{path}[{i}]"));
            hasObjectOrExternal |= metrics[i].Type is MetricSourceType.Object or MetricSourceType.External;
        }
        if (minReplicas == 0 && !hasObjectOrExternal)
        {
            errors.Add(FieldError.Forbidden(path, "must specify at least one Object or External metric to support scaling to zero replicas"));
        }
        return errors;
    }

    private static List<FieldError> ValidateBehavior(HorizontalPodAutoscalerBehavior? behavior, string path)
    {
        var errors = new List<FieldError>();
        if (behavior is not null)
        {
            errors.AddRange(ValidateScalingRules(behavior.ScaleUp, path + ".scaleUp"));
            errors.AddRange(ValidateScalingRules(behavior.ScaleDown, path + ".scaleDown"));
        }
        return errors;
    }

    private static List<FieldError> ValidateScalingRules(HpaScalingRules? rules, string path)
    {
        var errors = new List<FieldError>();
        if (rules is null)
        {
            return errors;
        }
        if (rules.StabilizationWindowSeconds is { } window)
        {
            if (window < 0)
            {
                errors.Add(FieldError.Invalid(path + ".stabilizationWindowSeconds", window, "must be greater than or equal to zero"));
            }
            if (window > MaxStabilizationWindowSeconds)
            {
                errors.Add(FieldError.Invalid(path + ".stabilizationWindowSeconds", window, $"must be less than or equal to {MaxStabilizationWindowSeconds}"));
            }
        }
        if (rules.SelectPolicy is { } select && !ScalingPolicySelect.All.Contains(select))
        {
            errors.Add(FieldError.NotSupported(path + ".selectPolicy", select, ScalingPolicySelect.All));
        }
        var policies = rules.Policies ?? [];
        if (policies.Count == 0)
        {
            errors.Add(FieldError.Required(path + ".policies", "must specify at least one Policy"));
        }
        for (var i = 0; i < policies.Count; i++)
        {
            var policy = policies[i];
            var policyPath = $"{path}.policies[{i}]";
            if (!HpaScalingPolicyType.All.Contains(policy.Type))
            {
                errors.Add(FieldError.NotSupported(policyPath + ".type", policy.Type, HpaScalingPolicyType.All));
            }
            if (policy.Value <= 0)
            {
                errors.Add(FieldError.Invalid(policyPath + ".value", policy.Value, "must be greater than zero"));
            }
            if (policy.PeriodSeconds <= 0)
            {
                errors.Add(FieldError.Invalid(policyPath + ".periodSeconds", policy.PeriodSeconds, "must be greater than zero"));
            }
            if (policy.PeriodSeconds > MaxPeriodSeconds)
            {
                errors.Add(FieldError.Invalid(policyPath + ".periodSeconds", policy.PeriodSeconds, $"must be less than or equal to {MaxPeriodSeconds}"));
            }
        }
        if (rules.Tolerance is { Sign: < 0 } tolerance)
        {
            errors.Add(FieldError.Invalid(path + ".tolerance", tolerance, "must be greater or equal to zero"));
        }
        return errors;
    }

    private static List<FieldError> ValidateMetricSpec(MetricSpec spec, string path)
    {
        var errors = new List<FieldError>();
        if (spec.Type.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".type", "must specify a metric source type"));
        }
        if (!MetricSourceType.All.Contains(spec.Type))
        {
            errors.Add(FieldError.NotSupported(path + ".type", spec.Type, MetricSourceType.All));
        }

        // Only the first source present (in this order) is validated; the others are reported below.
        var present = new List<string>();
        if (spec.Object is not null)
        {
            present.Add("object");
            if (present.Count == 1)
            {
                errors.AddRange(ValidateObjectSource(spec.Object, path + ".object"));
            }
        }
        if (spec.External is not null)
        {
            present.Add("external");
            if (present.Count == 1)
            {
                errors.AddRange(ValidateExternalSource(spec.External, path + ".external"));
            }
        }
        if (spec.Pods is not null)
        {
            present.Add("pods");
            if (present.Count == 1)
            {
                errors.AddRange(ValidatePodsSource(spec.Pods, path + ".pods"));
            }
        }
        if (spec.Resource is not null)
        {
            present.Add("resource");
            if (present.Count == 1)
            {
                errors.AddRange(ValidateResourceSource(spec.Resource.Name, spec.Resource.Target, path + ".resource"));
            }
        }
        if (spec.ContainerResource is not null)
        {
            present.Add("containerResource");
            if (present.Count == 1)
            {
                errors.AddRange(ValidateContainerResourceSource(spec.ContainerResource, path + ".containerResource"));
            }
        }

        const string populate = "must populate information for the given metric source";
        string expected;
        switch (spec.Type)
        {
            case MetricSourceType.Object:
                if (spec.Object is null)
                {
                    errors.Add(FieldError.Required(path + ".object", populate));
                }
                expected = "object";
                break;
            case MetricSourceType.Pods:
                if (spec.Pods is null)
                {
                    errors.Add(FieldError.Required(path + ".pods", populate));
                }
                expected = "pods";
                break;
            case MetricSourceType.Resource:
                if (spec.Resource is null)
                {
                    errors.Add(FieldError.Required(path + ".resource", populate));
                }
                expected = "resource";
                break;
            case MetricSourceType.External:
                if (spec.External is null)
                {
                    errors.Add(FieldError.Required(path + ".external", populate));
                }
                expected = "external";
                break;
            case MetricSourceType.ContainerResource:
                if (spec.ContainerResource is null)
                {
                    errors.Add(FieldError.Required(path + ".containerResource", populate));
                }
                expected = "containerResource";
                break;
            default:
                // Upstream reports an unknown type twice; the 422 message shows it once.
                errors.Add(FieldError.NotSupported(path + ".type", spec.Type, MetricSourceType.All));
                expected = "";
                break;
        }
        if (present.Count != 1)
        {
            // Go iterates a set here; sorted keeps our output stable.
            foreach (var other in present.Where(p => p != expected).Order(StringComparer.Ordinal))
            {
                errors.Add(FieldError.Forbidden($"{path}.{other}", "must populate the given metric source only"));
            }
        }
        return errors;
    }

    private static List<FieldError> ValidateObjectSource(ObjectMetricSource source, string path)
    {
        var errors = ValidateCrossVersionObjectReference(source.DescribedObject, path + ".describedObject");
        errors.AddRange(ValidateMetricIdentifier(source.Metric, path + ".metric"));
        errors.AddRange(ValidateMetricTarget(source.Target, path + ".target"));
        if (source.Target.Value is null && source.Target.AverageValue is null)
        {
            errors.Add(FieldError.Required(path + ".target.averageValue", "must set either a target value or averageValue"));
        }
        return errors;
    }

    private static List<FieldError> ValidateExternalSource(ExternalMetricSource source, string path)
    {
        var errors = ValidateMetricIdentifier(source.Metric, path + ".metric");
        errors.AddRange(ValidateMetricTarget(source.Target, path + ".target"));
        if (source.Target.Value is null && source.Target.AverageValue is null)
        {
            errors.Add(FieldError.Required(path + ".target.averageValue", "must set either a target value for metric or a per-pod target"));
        }
        if (source.Target.Value is not null && source.Target.AverageValue is not null)
        {
            errors.Add(FieldError.Forbidden(path + ".target.value", "may not set both a target value for metric and a per-pod target"));
        }
        return errors;
    }

    private static List<FieldError> ValidatePodsSource(PodsMetricSource source, string path)
    {
        var errors = ValidateMetricIdentifier(source.Metric, path + ".metric");
        errors.AddRange(ValidateMetricTarget(source.Target, path + ".target"));
        if (source.Target.AverageValue is null)
        {
            errors.Add(FieldError.Required(path + ".target.averageValue", "must specify a positive target averageValue"));
        }
        return errors;
    }

    private static List<FieldError> ValidateContainerResourceSource(ContainerResourceMetricSource source, string path)
    {
        var errors = new List<FieldError>();
        if (source.Name.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".name", "must specify a resource name"));
        }
        else
        {
            errors.AddRange(ValidateContainerResourceName(source.Name, path + ".name"));
        }
        if (source.Container.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".container", "must specify a container"));
        }
        else
        {
            errors.AddRange(NameValidation.IsDns1123Label(source.Container).Select(m => FieldError.Invalid(path + ".container", source.Container, m)));
        }
        errors.AddRange(ValidateMetricTarget(source.Target, path + ".target"));
        errors.AddRange(UtilizationOrValue(source.Target, path));
        return errors;
    }

    private static List<FieldError> ValidateResourceSource(string name, MetricTarget target, string path)
    {
        var errors = new List<FieldError>();
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".name", "must specify a resource name"));
        }
        errors.AddRange(ValidateMetricTarget(target, path + ".target"));
        errors.AddRange(UtilizationOrValue(target, path));
        return errors;
    }

    private static IEnumerable<FieldError> UtilizationOrValue(MetricTarget target, string path)
    {
        if (target.AverageUtilization is null && target.AverageValue is null)
        {
            yield return FieldError.Required(path + ".target.averageUtilization", "must set either a target raw value or a target utilization");
        }
        if (target.AverageUtilization is not null && target.AverageValue is not null)
        {
            yield return FieldError.Forbidden(path + ".target.averageValue", "may not set both a target raw value and a target utilization");
        }
    }

    // corevalidation.ValidateContainerResourceName (core/v1/validation): ValidateResourceName first,
    // then, without a domain, it must be a standard container resource (cpu, memory,
    // ephemeral-storage, hugepages-*); with one, native or a valid extended resource.
    private static List<FieldError> ValidateContainerResourceName(string name, string path)
    {
        var errors = NameValidation.IsQualifiedName(name).Select(m => FieldError.Invalid(path, name, m)).ToList();
        var hasDomain = name.Contains('/', StringComparison.Ordinal);
        var hugePages = name.StartsWith("hugepages-", StringComparison.Ordinal);
        if (errors.Count == 0 && !hasDomain && !StandardResourceNames.Contains(name) && !hugePages)
        {
            errors.Add(FieldError.Invalid(path, name, "must be a standard resource type or fully qualified"));
        }
        if (!hasDomain)
        {
            if (!StandardContainerResourceNames.Contains(name) && !hugePages)
            {
                errors.Add(FieldError.Invalid(path, name, "must be a standard resource for containers"));
            }
        }
        else if (!name.Contains("kubernetes.io/", StringComparison.Ordinal) && !IsExtendedResourceName(name))
        {
            errors.Add(FieldError.Invalid(path, name, "doesn't have a resource type"));
        }
        return errors;
    }

    // helper.IsExtendedResourceName: not native, not "requests."-prefixed, and valid as a quota name.
    private static bool IsExtendedResourceName(string name) =>
        !name.StartsWith("requests.", StringComparison.Ordinal) && NameValidation.IsQualifiedName("requests." + name).Count == 0;

    // core helper.standardResources and standardContainerResources.
    private static readonly HashSet<string> StandardContainerResourceNames = new(StringComparer.Ordinal) { "cpu", "memory", "ephemeral-storage" };

    private static readonly HashSet<string> StandardResourceNames = new(StringComparer.Ordinal)
    {
        "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
        "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "services", "replicationcontrollers",
        "resourcequotas", "secrets", "persistentvolumeclaims", "configmaps", "services.nodeports",
        "services.loadbalancers", "requests.storage",
    };

    private static List<FieldError> ValidateMetricTarget(MetricTarget target, string path)
    {
        var errors = new List<FieldError>();
        if (target.Type.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".type", "must specify a metric target type"));
        }
        if (!MetricTargetType.All.Contains(target.Type))
        {
            errors.Add(FieldError.Invalid(path + ".type", target.Type, "must be either Utilization, Value, or AverageValue"));
        }
        if (target.Value is { } value && value.Sign != 1)
        {
            errors.Add(FieldError.Invalid(path + ".value", value, "must be positive"));
        }
        if (target.AverageValue is { } average && average.Sign != 1)
        {
            errors.Add(FieldError.Invalid(path + ".averageValue", average, "must be positive"));
        }
        if (target.AverageUtilization is { } utilization && utilization < 1)
        {
            errors.Add(FieldError.Invalid(path + ".averageUtilization", utilization, "must be greater than 0"));
        }
        return errors;
    }

    private static List<FieldError> ValidateMetricIdentifier(MetricIdentifier identifier, string path)
    {
        var errors = new List<FieldError>();
        if (identifier.Name.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".name", "must specify a metric name"));
        }
        else
        {
            errors.AddRange(NameValidation.IsValidPathSegmentName(identifier.Name).Select(m => FieldError.Invalid(path + ".name", identifier.Name, m)));
        }
        return errors;
    }
}
