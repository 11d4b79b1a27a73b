using System.Text.Json.Nodes;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// Legacy discovery documents (APIVersions, APIGroupList, APIResourceList) as kube-apiserver
/// serves them. Legacy JSON is understood by every kubectl 1.27–1.33 and by client-go whatever
/// aggregated format it asks for first (it goes by the response Content-Type), and it lets an
/// aggregated API's own discovery document be proxied through unchanged.
/// </summary>
public static class Discovery
{
    public static JsonObject ApiVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    /// <param name="aggregated">Group/versions registered by APIServices, in registration order.</param>
    public static JsonObject ApiGroupList(IEnumerable<(string Group, string Version)> aggregated)
    {
        var groups = new JsonArray();
        foreach (var (group, versions) in ResourceCatalog.Groups.Where(g => g.Group.Length > 0))
        {
            groups.Add(Group(group, versions));
        }
        foreach (var g in aggregated.GroupBy(a => a.Group))
        {
            if (ResourceCatalog.Groups.Any(x => x.Group == g.Key)) continue;
            groups.Add(Group(g.Key, g.Select(x => x.Version).Distinct().ToList()));
        }
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    private static JsonObject Group(string group, IReadOnlyList<string> versions) => new()
    {
        ["name"] = group,
        ["versions"] = new JsonArray(versions.Select(v => (JsonNode)new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v }).ToArray()),
        ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{versions[0]}", ["version"] = versions[0] },
    };

    public static JsonObject ApiGroup(string group)
    {
        var versions = ResourceCatalog.Groups.First(g => g.Group == group).Versions;
        var doc = Group(group, versions);
        doc["kind"] = "APIGroup";
        doc["apiVersion"] = "v1";
        return doc;
    }

    public static JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var r in ResourceCatalog.InGroupVersion(group, version))
        {
            var entry = new JsonObject
            {
                ["name"] = r.Resource,
                ["singularName"] = r.Singular,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = new JsonArray(ResourceCatalog.AllVerbs.Select(v => (JsonNode)v).ToArray()),
            };
            if (r.ShortNames.Count > 0) entry["shortNames"] = new JsonArray(r.ShortNames.Select(s => (JsonNode)s).ToArray());
            if (r.Categories.Count > 0) entry["categories"] = new JsonArray(r.Categories.Select(s => (JsonNode)s).ToArray());
            resources.Add(entry);
            if (r.HasScale)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{r.Resource}/scale",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["group"] = "autoscaling",
                    ["version"] = "v1",
                    ["kind"] = "Scale",
                    ["verbs"] = SubresourceVerbs(),
                });
            }
            if (r.HasStatus)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{r.Resource}/status",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["kind"] = r.Kind,
                    ["verbs"] = SubresourceVerbs(),
                });
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonArray SubresourceVerbs() => new(ResourceCatalog.SubresourceVerbs.Select(v => (JsonNode)v).ToArray());
}
