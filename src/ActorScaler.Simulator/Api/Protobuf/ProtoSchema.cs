namespace ActorScaler.Simulator.Api.Protobuf;

/// <summary>How a protobuf field maps to its JSON form.</summary>
internal enum ProtoKind
{
    String,
    Int32,
    Int64,
    Bool,
    Message,
    /// <summary>map&lt;string,string&gt;.</summary>
    StringMap,
    /// <summary>map&lt;string,bytes&gt; (Secret/ConfigMap binary data), base64 in JSON.</summary>
    BytesMap,
    /// <summary>map&lt;string,Quantity&gt; (resource lists).</summary>
    QuantityMap,
    /// <summary>resource.Quantity {string string = 1} → "500m".</summary>
    Quantity,
    /// <summary>intstr.IntOrString {type, intVal, strVal} → 3 or "25%".</summary>
    IntOrString,
    /// <summary>meta/v1 Time {seconds, nanos} → RFC 3339.</summary>
    Time,
    Bytes,
}

/// <summary>
/// One field of a k8s.io generated.proto message. <see cref="OmitZero"/> marks non-pointer Go
/// fields tagged omitempty: go-to-protobuf always writes them, JSON leaves them out at zero.
/// </summary>
internal sealed record ProtoField(int Number, string Name, ProtoKind Kind, bool Repeated = false, ProtoMessage? Message = null, bool OmitZero = false);

internal sealed class ProtoMessage
{
    private readonly Dictionary<int, ProtoField> _fields = [];

    public ProtoMessage(string name) => Name = name;

    public string Name { get; }

    public ProtoField? Field(int number) => _fields.TryGetValue(number, out var f) ? f : null;

    public ProtoMessage S(int n, string name, bool repeated = false) => Add(new(n, name, ProtoKind.String, repeated));
    public ProtoMessage I32(int n, string name, bool omitZero = false, bool repeated = false) => Add(new(n, name, ProtoKind.Int32, repeated, OmitZero: omitZero));
    public ProtoMessage I64(int n, string name, bool omitZero = false) => Add(new(n, name, ProtoKind.Int64, OmitZero: omitZero));
    public ProtoMessage B(int n, string name) => Add(new(n, name, ProtoKind.Bool));
    public ProtoMessage M(int n, string name, ProtoMessage message, bool repeated = false) => Add(new(n, name, ProtoKind.Message, repeated, message));
    public ProtoMessage Map(int n, string name) => Add(new(n, name, ProtoKind.StringMap));
    public ProtoMessage Of(int n, string name, ProtoKind kind, bool repeated = false) => Add(new(n, name, kind, repeated));

    private ProtoMessage Add(ProtoField field)
    {
        _fields[field.Number] = field;
        return this;
    }
}

/// <summary>
/// Field numbers from k8s.io/api and k8s.io/apimachinery generated.proto for the kinds kubectl
/// 1.32+ sends as protobuf (create namespace/deployment/configmap/secret/service/serviceaccount,
/// autoscale) and a few more. Fields not listed are skipped, as a decoder of an older schema would.
/// </summary>
internal static class ProtoSchema
{
    public static readonly ProtoMessage OwnerReference = new ProtoMessage("OwnerReference")
        .S(5, "apiVersion").S(1, "kind").S(3, "name").S(4, "uid").B(6, "controller").B(7, "blockOwnerDeletion");

    public static readonly ProtoMessage ObjectMeta = new ProtoMessage("ObjectMeta")
        .S(1, "name").S(2, "generateName").S(3, "namespace").S(5, "uid").S(6, "resourceVersion")
        .I64(7, "generation", omitZero: true).Of(8, "creationTimestamp", ProtoKind.Time)
        .Map(11, "labels").Map(12, "annotations").M(13, "ownerReferences", OwnerReference, repeated: true)
        .S(14, "finalizers", repeated: true);

    public static readonly ProtoMessage LabelSelectorRequirement = new ProtoMessage("LabelSelectorRequirement")
        .S(1, "key").S(2, "operator").S(3, "values", repeated: true);

    public static readonly ProtoMessage LabelSelector = new ProtoMessage("LabelSelector")
        .Map(1, "matchLabels").M(2, "matchExpressions", LabelSelectorRequirement, repeated: true);

    // ---- core/v1

    public static readonly ProtoMessage Namespace = new ProtoMessage("Namespace")
        .M(1, "metadata", ObjectMeta)
        .M(2, "spec", new ProtoMessage("NamespaceSpec").S(1, "finalizers", repeated: true))
        .M(3, "status", new ProtoMessage("NamespaceStatus").S(1, "phase"));

    public static readonly ProtoMessage ConfigMap = new ProtoMessage("ConfigMap")
        .M(1, "metadata", ObjectMeta).Map(2, "data").Of(3, "binaryData", ProtoKind.BytesMap).B(4, "immutable");

    public static readonly ProtoMessage Secret = new ProtoMessage("Secret")
        .M(1, "metadata", ObjectMeta).Of(2, "data", ProtoKind.BytesMap).S(3, "type").Map(4, "stringData").B(5, "immutable");

    public static readonly ProtoMessage ServiceAccount = new ProtoMessage("ServiceAccount")
        .M(1, "metadata", ObjectMeta).B(4, "automountServiceAccountToken");

    private static readonly ProtoMessage ServicePort = new ProtoMessage("ServicePort")
        .S(1, "name").S(2, "protocol").I32(3, "port").Of(4, "targetPort", ProtoKind.IntOrString).I32(5, "nodePort", omitZero: true)
        .S(6, "appProtocol");

    public static readonly ProtoMessage Service = new ProtoMessage("Service")
        .M(1, "metadata", ObjectMeta)
        .M(2, "spec", new ProtoMessage("ServiceSpec")
            .M(1, "ports", ServicePort, repeated: true).Map(2, "selector").S(3, "clusterIP").S(4, "type")
            .S(5, "externalIPs", repeated: true).S(7, "sessionAffinity").S(10, "externalName")
            .S(18, "clusterIPs", repeated: true))
        .M(3, "status", new ProtoMessage("ServiceStatus"));

    private static readonly ProtoMessage ContainerPort = new ProtoMessage("ContainerPort")
        .S(1, "name").I32(2, "hostPort", omitZero: true).I32(3, "containerPort").S(4, "protocol").S(5, "hostIP");

    private static readonly ProtoMessage EnvVar = new ProtoMessage("EnvVar").S(1, "name").S(2, "value");

    private static readonly ProtoMessage ResourceRequirements = new ProtoMessage("ResourceRequirements")
        .Of(1, "limits", ProtoKind.QuantityMap).Of(2, "requests", ProtoKind.QuantityMap);

    private static readonly ProtoMessage Container = new ProtoMessage("Container")
        .S(1, "name").S(2, "image").S(3, "command", repeated: true).S(4, "args", repeated: true).S(5, "workingDir")
        .M(6, "ports", ContainerPort, repeated: true).M(7, "env", EnvVar, repeated: true).M(8, "resources", ResourceRequirements)
        .S(13, "terminationMessagePath").S(14, "imagePullPolicy").B(16, "stdin").B(17, "stdinOnce").B(18, "tty")
        .S(20, "terminationMessagePolicy");

    private static readonly ProtoMessage Toleration = new ProtoMessage("Toleration")
        .S(1, "key").S(2, "operator").S(3, "value").S(4, "effect").I64(5, "tolerationSeconds");

    public static readonly ProtoMessage PodSpec = new ProtoMessage("PodSpec")
        .M(2, "containers", Container, repeated: true).S(3, "restartPolicy").I64(4, "terminationGracePeriodSeconds")
        .I64(5, "activeDeadlineSeconds").S(6, "dnsPolicy").Map(7, "nodeSelector").S(8, "serviceAccountName")
        .S(9, "serviceAccount").S(10, "nodeName").B(11, "hostNetwork").M(14, "securityContext", new ProtoMessage("PodSecurityContext"))
        .S(16, "hostname").S(17, "subdomain").S(19, "schedulerName").M(20, "initContainers", Container, repeated: true)
        .M(22, "tolerations", Toleration, repeated: true).S(24, "priorityClassName");

    public static readonly ProtoMessage PodTemplateSpec = new ProtoMessage("PodTemplateSpec")
        .M(1, "metadata", ObjectMeta).M(2, "spec", PodSpec);

    public static readonly ProtoMessage Pod = new ProtoMessage("Pod")
        .M(1, "metadata", ObjectMeta).M(2, "spec", PodSpec).M(3, "status", new ProtoMessage("PodStatus").S(1, "phase"));

    // ---- apps/v1

    public static readonly ProtoMessage Deployment = new ProtoMessage("Deployment")
        .M(1, "metadata", ObjectMeta)
        .M(2, "spec", new ProtoMessage("DeploymentSpec")
            .I32(1, "replicas").M(2, "selector", LabelSelector).M(3, "template", PodTemplateSpec)
            .M(4, "strategy", new ProtoMessage("DeploymentStrategy")
                .S(1, "type")
                .M(2, "rollingUpdate", new ProtoMessage("RollingUpdateDeployment")
                    .Of(1, "maxUnavailable", ProtoKind.IntOrString).Of(2, "maxSurge", ProtoKind.IntOrString)))
            .I32(5, "minReadySeconds", omitZero: true).I32(6, "revisionHistoryLimit").B(7, "paused").I32(9, "progressDeadlineSeconds"))
        .M(3, "status", new ProtoMessage("DeploymentStatus"));

    // ---- autoscaling

    private static readonly ProtoMessage CrossVersionObjectReference = new ProtoMessage("CrossVersionObjectReference")
        .S(1, "kind").S(2, "name").S(3, "apiVersion");

    public static readonly ProtoMessage ScaleV1 = new ProtoMessage("Scale")
        .M(1, "metadata", ObjectMeta)
        .M(2, "spec", new ProtoMessage("ScaleSpec").I32(1, "replicas"))
        .M(3, "status", new ProtoMessage("ScaleStatus").I32(1, "replicas").S(2, "selector"));

    public static readonly ProtoMessage HpaV1 = new ProtoMessage("HorizontalPodAutoscaler")
        .M(1, "metadata", ObjectMeta)
        .M(2, "spec", new ProtoMessage("HorizontalPodAutoscalerSpec")
            .M(1, "scaleTargetRef", CrossVersionObjectReference).I32(2, "minReplicas").I32(3, "maxReplicas")
            .I32(4, "targetCPUUtilizationPercentage"))
        .M(3, "status", new ProtoMessage("HorizontalPodAutoscalerStatus")
            .I64(1, "observedGeneration").Of(2, "lastScaleTime", ProtoKind.Time).I32(3, "currentReplicas")
            .I32(4, "desiredReplicas").I32(5, "currentCPUUtilizationPercentage"));

    private static readonly ProtoMessage MetricTarget = new ProtoMessage("MetricTarget")
        .S(1, "type").Of(2, "value", ProtoKind.Quantity).Of(3, "averageValue", ProtoKind.Quantity).I32(4, "averageUtilization");

    private static readonly ProtoMessage MetricValueStatus = new ProtoMessage("MetricValueStatus")
        .Of(1, "value", ProtoKind.Quantity).Of(2, "averageValue", ProtoKind.Quantity).I32(3, "averageUtilization");

    private static readonly ProtoMessage MetricIdentifier = new ProtoMessage("MetricIdentifier")
        .S(1, "name").M(2, "selector", LabelSelector);

    private static readonly ProtoMessage MetricSpecV2 = new ProtoMessage("MetricSpec")
        .S(1, "type")
        .M(2, "object", new ProtoMessage("ObjectMetricSource").M(1, "describedObject", CrossVersionObjectReference).M(2, "target", MetricTarget).M(3, "metric", MetricIdentifier))
        .M(3, "pods", new ProtoMessage("PodsMetricSource").M(1, "metric", MetricIdentifier).M(2, "target", MetricTarget))
        .M(4, "resource", new ProtoMessage("ResourceMetricSource").S(1, "name").M(2, "target", MetricTarget))
        .M(5, "external", new ProtoMessage("ExternalMetricSource").M(1, "metric", MetricIdentifier).M(2, "target", MetricTarget))
        .M(7, "containerResource", new ProtoMessage("ContainerResourceMetricSource").S(1, "name").M(2, "target", MetricTarget).S(3, "container"));

    private static readonly ProtoMessage MetricStatusV2 = new ProtoMessage("MetricStatus")
        .S(1, "type")
        .M(2, "object", new ProtoMessage("ObjectMetricStatus").M(1, "metric", MetricIdentifier).M(2, "current", MetricValueStatus).M(3, "describedObject", CrossVersionObjectReference))
        .M(3, "pods", new ProtoMessage("PodsMetricStatus").M(1, "metric", MetricIdentifier).M(2, "current", MetricValueStatus))
        .M(4, "resource", new ProtoMessage("ResourceMetricStatus").S(1, "name").M(2, "current", MetricValueStatus))
        .M(5, "external", new ProtoMessage("ExternalMetricStatus").M(1, "metric", MetricIdentifier).M(2, "current", MetricValueStatus))
        .M(7, "containerResource", new ProtoMessage("ContainerResourceMetricStatus").S(1, "name").M(2, "current", MetricValueStatus).S(3, "container"));

    private static readonly ProtoMessage ScalingRules = new ProtoMessage("HPAScalingRules")
        .I32(3, "stabilizationWindowSeconds").S(1, "selectPolicy")
        .M(2, "policies", new ProtoMessage("HPAScalingPolicy").S(1, "type").I32(2, "value").I32(3, "periodSeconds"), repeated: true)
        .Of(4, "tolerance", ProtoKind.Quantity);

    public static readonly ProtoMessage HpaV2 = new ProtoMessage("HorizontalPodAutoscaler")
        .M(1, "metadata", ObjectMeta)
        .M(2, "spec", new ProtoMessage("HorizontalPodAutoscalerSpec")
            .M(1, "scaleTargetRef", CrossVersionObjectReference).I32(2, "minReplicas").I32(3, "maxReplicas")
            .M(4, "metrics", MetricSpecV2, repeated: true)
            .M(5, "behavior", new ProtoMessage("HorizontalPodAutoscalerBehavior").M(1, "scaleUp", ScalingRules).M(2, "scaleDown", ScalingRules)))
        .M(3, "status", new ProtoMessage("HorizontalPodAutoscalerStatus")
            .I64(1, "observedGeneration").Of(2, "lastScaleTime", ProtoKind.Time).I32(3, "currentReplicas").I32(4, "desiredReplicas")
            .M(5, "currentMetrics", MetricStatusV2, repeated: true)
            .M(6, "conditions", new ProtoMessage("HorizontalPodAutoscalerCondition")
                .S(1, "type").S(2, "status").Of(3, "lastTransitionTime", ProtoKind.Time).S(4, "reason").S(5, "message"), repeated: true));

    /// <summary>The message for an apiVersion/kind, or null when the simulator cannot decode it.</summary>
    public static ProtoMessage? For(string apiVersion, string kind) => (apiVersion, kind) switch
    {
        ("v1", "Namespace") => Namespace,
        ("v1", "ConfigMap") => ConfigMap,
        ("v1", "Secret") => Secret,
        ("v1", "Service") => Service,
        ("v1", "ServiceAccount") => ServiceAccount,
        ("v1", "Pod") => Pod,
        ("apps/v1", "Deployment") => Deployment,
        ("autoscaling/v1", "HorizontalPodAutoscaler") => HpaV1,
        ("autoscaling/v1", "Scale") => ScaleV1,
        ("autoscaling/v2", "HorizontalPodAutoscaler") => HpaV2,
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler") => HpaV2,
        _ => null,
    };
}
