namespace ActorScaler.Simulator.Api;

/// <summary>
/// A resource request decoded from its path and method, as apiserver's RequestInfoFactory does:
/// /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]] and the /apis/{group}/{version} form.
/// </summary>
public sealed record RequestInfo(
    string Verb,
    string Group,
    string Version,
    string Namespace,
    string Resource,
    string Name,
    string Subresource)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"deployments/scale" style, as audit and request counters key it.</summary>
    public string ResourcePath => Subresource.Length == 0 ? Resource : $"{Resource}/{Subresource}";

    /// <summary>Null when the path is not under /api/{v} or /apis/{g}/{v}/…; group-version roots yield an empty resource.</summary>
    public static RequestInfo? Parse(string method, string path, bool watchParameter)
    {
        var segments = path.Trim('/').Split('/');
        int at;
        string group, version;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            group = "";
            version = segments[1];
            at = 2;
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            group = segments[1];
            version = segments[2];
            at = 3;
        }
        else
        {
            return null;
        }

        var rest = segments[at..];
        var legacyWatch = false;
        if (rest.Length > 0 && rest[0] == "watch")
        {
            // The deprecated /watch/ path prefix is the same as ?watch=true.
            legacyWatch = true;
            rest = rest[1..];
        }

        string ns = "", resource = "", name = "", sub = "";
        if (rest.Length >= 3 && rest[0] == "namespaces" && ResourceCatalog.Find(group, version, rest[2]) is { Namespaced: true })
        {
            ns = rest[1];
            resource = rest[2];
            name = rest.Length > 3 ? rest[3] : "";
            sub = rest.Length > 4 ? string.Join('/', rest[4..]) : "";
        }
        else if (rest.Length >= 3 && rest[0] == "namespaces" && !ResourceCatalog.ServesGroupVersion(group, version))
        {
            // An aggregated group: its resources are not in our catalog, assume namespaced paths.
            ns = rest[1];
            resource = rest[2];
            name = rest.Length > 3 ? rest[3] : "";
            sub = rest.Length > 4 ? string.Join('/', rest[4..]) : "";
        }
        else if (rest.Length >= 1)
        {
            resource = rest[0];
            name = rest.Length > 1 ? rest[1] : "";
            sub = rest.Length > 2 ? string.Join('/', rest[2..]) : "";
        }

        var collection = name.Length == 0;
        var verb = method.ToUpperInvariant() switch
        {
            "GET" or "HEAD" when legacyWatch || (watchParameter && collection) => "watch",
            "GET" or "HEAD" => collection ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => collection ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
        return new RequestInfo(verb, group, version, ns, resource, name, sub);
    }
}
