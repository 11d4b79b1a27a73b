using System.Text.Json.Nodes;

namespace ActorScaler.Simulator.Storage;

/// <summary>One entry of Status.details.causes (metav1.StatusCause).</summary>
public sealed record StatusCause(string Reason, string Message, string Field);

/// <summary>
/// A failed API call as kube-apiserver reports it: a metav1.Status with code, reason, message
/// and details. The store raises these so the HTTP layer can answer with the exact Status body
/// (k8s.io/apimachinery/pkg/api/errors) and in-process callers can branch on <see cref="Reason"/>.
/// </summary>
public sealed class StatusException : Exception
{
    public StatusException(int code, string reason, string message, string? group = null, string? kind = null,
        string? name = null, IReadOnlyList<StatusCause>? causes = null, int? retryAfterSeconds = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Group = group;
        Kind = kind;
        Name = name;
        Causes = causes ?? [];
        RetryAfterSeconds = retryAfterSeconds;
    }

    public StatusException()
        : this(500, StatusReasons.InternalError, "internal error")
    {
    }

    public StatusException(string message)
        : this(500, StatusReasons.InternalError, message)
    {
    }

    public StatusException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = 500;
        Reason = StatusReasons.InternalError;
        Causes = [];
    }

    public int Code { get; }
    public string Reason { get; }
    public string? Group { get; }
    /// <summary>The resource for NotFound/AlreadyExists/Conflict, the Kind for Invalid, as upstream.</summary>
    public string? Kind { get; }
    public string? Name { get; }
    public IReadOnlyList<StatusCause> Causes { get; }
    public int? RetryAfterSeconds { get; }

    public static StatusException NotFound(GroupResource gr, string name) =>
        new(404, StatusReasons.NotFound, $"{gr} \"{name}\" not found", gr.Group, gr.Resource, name);

    public static StatusException AlreadyExists(GroupResource gr, string name) =>
        new(409, StatusReasons.AlreadyExists, $"{gr} \"{name}\" already exists", gr.Group, gr.Resource, name);

    public static StatusException Conflict(GroupResource gr, string name, string detail) =>
        new(409, StatusReasons.Conflict, $"Operation cannot be fulfilled on {gr} \"{name}\": {detail}", gr.Group, gr.Resource, name);

    /// <summary>The optimistic-concurrency conflict text kubectl users know by heart.</summary>
    public static StatusException StaleResourceVersion(GroupResource gr, string name) =>
        Conflict(gr, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static StatusException Invalid(string group, string kind, string name, IReadOnlyList<StatusCause> causes)
    {
        var qualifiedKind = group.Length == 0 ? kind : $"{kind}.{group}";
        var errors = causes.Select(c => $"{c.Field}: {c.Message}").ToList();
        var joined = errors.Count == 1 ? errors[0] : $"[{string.Join(", ", errors)}]";
        return new(422, StatusReasons.Invalid, $"{qualifiedKind} \"{name}\" is invalid: {joined}", group, kind, name, causes);
    }

    public static StatusException BadRequest(string message) => new(400, StatusReasons.BadRequest, message);

    /// <summary>410 for a resourceVersion older than the retained watch history.</summary>
    public static StatusException Expired(long requested, long oldest) =>
        new(410, StatusReasons.Expired, $"too old resource version: {requested} ({oldest})");

    public static StatusException MethodNotAllowed(string message) => new(405, StatusReasons.MethodNotAllowed, message);

    /// <summary>The metav1.Status JSON body for this error.</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Name is not null || Group is not null || Kind is not null || Causes.Count > 0 || RetryAfterSeconds is not null)
        {
            var details = new JsonObject();
            if (Name is not null) details["name"] = Name;
            if (Group is not null) details["group"] = Group;
            if (Kind is not null) details["kind"] = Kind;
            if (Causes.Count > 0)
            {
                details["causes"] = new JsonArray(Causes.Select(c => (JsonNode)new JsonObject
                {
                    ["reason"] = c.Reason,
                    ["message"] = c.Message,
                    ["field"] = c.Field,
                }).ToArray());
            }
            if (RetryAfterSeconds is { } retry) details["retryAfterSeconds"] = retry;
            status["details"] = details;
        }
        status["code"] = Code;
        return status;
    }
}

/// <summary>metav1.StatusReason values used here.</summary>
public static class StatusReasons
{
    public const string NotFound = "NotFound";
    public const string AlreadyExists = "AlreadyExists";
    public const string Conflict = "Conflict";
    public const string Invalid = "Invalid";
    public const string BadRequest = "BadRequest";
    public const string Expired = "Expired";
    public const string MethodNotAllowed = "MethodNotAllowed";
    public const string InternalError = "InternalError";
    public const string ServiceUnavailable = "ServiceUnavailable";
    public const string NotAcceptable = "NotAcceptable";
    public const string UnsupportedMediaType = "UnsupportedMediaType";
    public const string Timeout = "Timeout";
    public const string TooManyRequests = "TooManyRequests";
}
