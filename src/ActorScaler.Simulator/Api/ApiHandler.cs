using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Api.Protobuf;
using ActorScaler.Simulator.Storage;
using Microsoft.AspNetCore.Http;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// Serves resource requests (/api/v1/…, /apis/{group}/{version}/…) over the store with
/// kube-apiserver's semantics: verbs, subresources, selectors, paging, watch, dry run, Tables,
/// Status errors; plus the API faults and the audit.
/// </summary>
public sealed class ApiHandler
{
    private const string JsonMediaType = "application/json";
    private const string ProtobufMediaType = "application/vnd.kubernetes.protobuf";
    // kube-apiserver's --min-request-timeout: watches without timeoutSeconds last 1–2× this.
    private static readonly TimeSpan MinRequestTimeout = TimeSpan.FromMinutes(30);
    private static readonly byte[] Newline = "\n"u8.ToArray();
    private const int ListFlushThreshold = 256 * 1024;

    private readonly ClusterStore _store;
    private readonly ApiFaults _faults;
    private readonly ApiAudit _audit;
    private readonly Tables _tables;
    private readonly TimeSpan _bookmarkInterval;

    public ApiHandler(ClusterStore store, ApiFaults faults, ApiAudit audit, Tables tables, TimeSpan bookmarkInterval)
    {
        _store = store;
        _faults = faults;
        _audit = audit;
        _tables = tables;
        _bookmarkInterval = bookmarkInterval;
    }

    /// <summary>Applies latency/error/conflict faults; true when the request was answered by a fault.</summary>
    public async Task<bool> ApplyFaultsAsync(HttpContext ctx, RequestInfo info)
    {
        var s = _faults.Settings;
        var userAgent = ctx.Request.Headers.UserAgent.ToString();
        if (!_faults.Applies(s, info, userAgent)) return false;
        if (s.LatencyMilliseconds > 0) await Task.Delay(s.LatencyMilliseconds, ctx.RequestAborted);
        if (_faults.Draw(s.ErrorRate))
        {
            var reason = s.ErrorStatusCode switch
            {
                503 => StatusReasons.ServiceUnavailable,
                504 => StatusReasons.Timeout,
                _ => StatusReasons.InternalError,
            };
            var message = s.ErrorStatusCode == 503 ? "the server is currently unable to handle the request" : "an error on the server (\"injected fault\") has prevented the request from succeeding";
            RecordRefusedWrite(ctx, info, s.ErrorStatusCode);
            await WriteStatusAsync(ctx, new StatusException(s.ErrorStatusCode, reason, message));
            return true;
        }
        if (info.Verb is "update" or "patch" && _faults.Draw(s.ConflictRate))
        {
            var r = ResourceCatalog.Find(info.Group, info.Version, info.Resource);
            var gr = r?.GroupResource ?? new GroupResource(info.Group, info.Resource);
            var conflict = StatusException.StaleResourceVersion(gr, info.Name);
            RecordRefusedWrite(ctx, info, conflict.Code);
            await WriteStatusAsync(ctx, conflict);
            return true;
        }
        return false;
    }

    /// <summary>Audits a scale or HPA status write that was refused, with its code (see AuditRecord.Code).</summary>
    private void RecordRefusedWrite(HttpContext ctx, RequestInfo info, int code)
    {
        if (ApiAudit.AuditedWriteKind(info) is { } kind && !IsDryRun(ctx))
        {
            _audit.RecordWrite(new AuditRecord(_store.Time.GetUtcNow(), kind, info.Namespace, info.Name,
                info.ResourcePath, info.Verb, ctx.Request.Headers.UserAgent.ToString(), null, null) { Code = code });
        }
    }

    public async Task HandleAsync(HttpContext ctx, RequestInfo info)
    {
        try
        {
            var r = ResourceCatalog.Find(info.Group, info.Version, info.Resource)
                ?? throw new StatusException(404, StatusReasons.NotFound, "the server could not find the requested resource");
            if (r.Namespaced && info.Namespace.Length == 0 && info.Verb is not ("list" or "watch" or "deletecollection"))
            {
                throw new StatusException(404, StatusReasons.NotFound, "the server could not find the requested resource");
            }
            if (info.Subresource.Length > 0 && !(info.Subresource == "status" && r.HasStatus) && !(info.Subresource == "scale" && r.HasScale))
            {
                throw new StatusException(404, StatusReasons.NotFound, "the server could not find the requested resource");
            }
            switch (info.Verb)
            {
                case "get":
                    await GetAsync(ctx, info, r);
                    break;
                case "list":
                    await ListAsync(ctx, info, r);
                    break;
                case "watch":
                    await WatchAsync(ctx, info, r);
                    break;
                case "create":
                    if (info.Name.Length > 0) throw StatusException.MethodNotAllowed($"the server does not allow this method on the requested resource");
                    await CreateAsync(ctx, info, r);
                    break;
                case "update":
                    await UpdateAsync(ctx, info, r);
                    break;
                case "patch":
                    await PatchAsync(ctx, info, r);
                    break;
                case "delete":
                    await DeleteAsync(ctx, info, r);
                    break;
                case "deletecollection":
                    await DeleteCollectionAsync(ctx, info, r);
                    break;
                default:
                    throw StatusException.MethodNotAllowed("the server does not allow this method on the requested resource");
            }
        }
        catch (StatusException e)
        {
            RecordRefusedWrite(ctx, info, e.Code);
            if (!ctx.Response.HasStarted) await WriteStatusAsync(ctx, e);
        }
    }

    /// <summary>
    /// Creates or replaces one manifest object in process, through the same defaulting, conversion
    /// and validation as an API create (what `kubectl apply` of a new object amounts to).
    /// Namespaced objects without a namespace go to "default".
    /// </summary>
    public StoredObject ApplyObject(JsonObject obj)
    {
        var apiVersion = (string?)obj["apiVersion"] ?? "";
        var kind = (string?)obj["kind"] ?? "";
        var r = ResourceCatalog.Resources.FirstOrDefault(x => x.GroupVersion == apiVersion && x.Kind == kind)
            ?? throw StatusException.BadRequest($"no matches for kind \"{kind}\" in version \"{apiVersion}\"");
        var name = (string?)obj["metadata"]?["name"] ?? "";
        var ns = r.Namespaced ? (string?)obj["metadata"]?["namespace"] is { Length: > 0 } n ? n : "default" : "";
        var info = new RequestInfo("create", r.Group, r.Version, ns, r.Resource, "", "");
        PrepareIdentity(obj, info, r);
        var existing = name.Length > 0 ? _store.Get(r.Storage, ns, name) : null;
        var stored = Versioning.ToStorage(r, obj);
        if (existing is null)
        {
            EnsureNamespaceExists(r, ns);
            ResetStatusOnCreate(r, stored);
            Defaulting.Apply(r.Storage, stored);
            Validate(r, stored);
            return _store.Create(r.Storage, stored);
        }
        if (r.HasStatus)
        {
            stored.Remove("status");
            if (existing.ToJsonObject()["status"] is { } status) stored["status"] = status.DeepClone();
        }
        ((JsonObject)stored["metadata"]!).Remove("resourceVersion");
        Defaulting.Apply(r.Storage, stored);
        Validate(r, stored);
        return _store.Update(r.Storage, stored);
    }

    // ------------------------------------------------------------------ reads

    private async Task GetAsync(HttpContext ctx, RequestInfo info, ApiResource r)
    {
        var stored = _store.GetRequired(r.Storage, info.Namespace, info.Name);
        if (info.Subresource == "scale")
        {
            await WriteJsonAsync(ctx, 200, Scale(r, stored.ToJsonObject()));
            return;
        }
        if (WantsTable(ctx))
        {
            var obj = Served(r, stored.ToJsonObject());
            await WriteJsonAsync(ctx, 200, _tables.Render(r, [obj], stored.ResourceVersion, IncludeObject(ctx)));
            return;
        }
        await WriteBytesAsync(ctx, 200, ServedBytes(r, stored));
    }

    private async Task ListAsync(HttpContext ctx, RequestInfo info, ApiResource r)
    {
        var q = ctx.Request.Query;
        var options = new ListOptions
        {
            Namespace = info.Namespace,
            LabelSelector = LabelSelector.Parse(q["labelSelector"]),
            FieldSelector = Versioning.FieldSelectorToStorage(r, FieldSelector.Parse(q["fieldSelector"])),
            Limit = ParseInt(q["limit"], "limit") ?? 0,
            Continue = q["continue"].ToString() is { Length: > 0 } c ? c : null,
        };
        var result = _store.List(r.Storage, options);
        if (WantsTable(ctx))
        {
            var objects = result.Items.Select(i => Served(r, i.ToJsonObject())).ToList();
            await WriteJsonAsync(ctx, 200, _tables.Render(r, objects, result.ResourceVersion, IncludeObject(ctx), continueToken: result.Continue));
            return;
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = JsonMediaType;
        var body = ctx.Response.BodyWriter;
        var meta = new JsonObject { ["resourceVersion"] = result.ResourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (result.Continue is not null) meta["continue"] = result.Continue;
        if (result.RemainingItemCount is { } remaining) meta["remainingItemCount"] = remaining;
        var header = $"{{\"kind\":\"{r.ListKind}\",\"apiVersion\":\"{r.GroupVersion}\",\"metadata\":{WireJson.ToText(meta)},\"items\":[";
        body.Write(Encoding.UTF8.GetBytes(header));
        var first = true;
        var unflushed = 0;
        foreach (var item in result.Items)
        {
            if (!first) body.Write(","u8);
            first = false;
            var bytes = ServedBytes(r, item);
            body.Write(bytes.Span);
            unflushed += bytes.Length + 1;
            // Synchronous buffer writes, flushed in large chunks: 50,000 items must not cost 100,000 awaits.
            if (unflushed > ListFlushThreshold)
            {
                await body.FlushAsync(ctx.RequestAborted);
                unflushed = 0;
            }
        }
        body.Write("]}"u8);
        await body.FlushAsync(ctx.RequestAborted);
    }

    private async Task WatchAsync(HttpContext ctx, RequestInfo info, ApiResource r)
    {
        var q = ctx.Request.Query;
        var fieldSelector = Versioning.FieldSelectorToStorage(r, FieldSelector.Parse(q["fieldSelector"]));
        if (info.Name.Length > 0)
        {
            // The deprecated /watch/namespaces/{ns}/{resource}/{name} form watches one object.
            fieldSelector = new FieldSelector([.. fieldSelector.Requirements, new FieldRequirement("metadata.name", true, info.Name)]);
        }
        var sendInitialEvents = q["sendInitialEvents"] == "true";
        var requestedRv = ClusterStore.ParseResourceVersion(q["resourceVersion"], "resourceVersion");
        var options = new WatchOptions
        {
            Namespace = info.Namespace,
            LabelSelector = LabelSelector.Parse(q["labelSelector"]),
            FieldSelector = fieldSelector,
            ResourceVersion = sendInitialEvents ? null : requestedRv,
        };
        var bookmarks = q["allowWatchBookmarks"] == "true";
        var table = WantsTable(ctx);
        var includeObject = IncludeObject(ctx);

        var timeout = ParseInt(q["timeoutSeconds"], "timeoutSeconds") is { } ts && ts > 0
            ? TimeSpan.FromSeconds(ts)
            : MinRequestTimeout * (1 + Random.Shared.NextDouble());
        var faultSettings = _faults.Settings;
        if (faultSettings.WatchMaxSeconds > 0 && _faults.Applies(faultSettings, info, ctx.Request.Headers.UserAgent.ToString()))
        {
            timeout = TimeSpan.FromSeconds(Math.Min(timeout.TotalSeconds, faultSettings.WatchMaxSeconds));
        }

        StoreWatch watch;
        try
        {
            watch = _store.Watch(r.Storage, options);
        }
        catch (StatusException e) when (e.Code == 410)
        {
            // As kube-apiserver: 200, one ERROR event carrying the 410 Status, then the end of the stream.
            await StartStreamAsync(ctx);
            await WriteEventLineAsync(ctx, "ERROR", Encoding.UTF8.GetBytes(WireJson.ToText(e.ToStatus())));
            return;
        }

        using (watch)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
            cts.CancelAfter(timeout);
            await StartStreamAsync(ctx);
            if (bookmarks || sendInitialEvents) watch.RequestBookmark();
            using var bookmarkTimer = bookmarks ? new PeriodicTimer(_bookmarkInterval) : null;
            var bookmarkLoop = bookmarkTimer is null ? Task.CompletedTask : RunBookmarksAsync(bookmarkTimer, watch, cts.Token);
            var firstTable = true;
            var initialEnd = sendInitialEvents;
            try
            {
                while (await watch.ReadAsync(cts.Token) is { } e)
                {
                    if (e.Type == WatchEventType.Bookmark)
                    {
                        if (!bookmarks && !initialEnd) continue;
                        var bookmark = new JsonObject
                        {
                            ["kind"] = r.Kind,
                            ["apiVersion"] = r.GroupVersion,
                            ["metadata"] = new JsonObject { ["resourceVersion"] = e.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
                        };
                        if (initialEnd)
                        {
                            bookmark["metadata"]!["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
                            initialEnd = false;
                        }
                        await WriteEventLineAsync(ctx, "BOOKMARK", WireJson.Serialize(bookmark));
                        continue;
                    }
                    var type = WatchEvent.WireName(e.Type);
                    if (table)
                    {
                        var obj = Served(r, e.Object!.ToJsonObject());
                        var rendered = _tables.Render(r, [obj], e.ResourceVersion, includeObject, includeHeaders: firstTable);
                        firstTable = false;
                        await WriteEventLineAsync(ctx, type, WireJson.Serialize(rendered));
                    }
                    else
                    {
                        await WriteEventLineAsync(ctx, type, ServedBytes(r, e.Object!));
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Client went away or the watch timed out: both just end the stream.
            }
            await cts.CancelAsync();
            await bookmarkLoop;
        }
    }

    private static async Task RunBookmarksAsync(PeriodicTimer timer, StoreWatch watch, CancellationToken ct)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) watch.RequestBookmark();
        }
        catch (OperationCanceledException)
        {
            // The watch ended.
        }
    }

    private static async Task StartStreamAsync(HttpContext ctx)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = JsonMediaType;
        ctx.Response.Headers.CacheControl = "no-cache, private";
        await ctx.Response.StartAsync(ctx.RequestAborted);
        await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted);
    }

    private static async Task WriteEventLineAsync(HttpContext ctx, string type, ReadOnlyMemory<byte> obj)
    {
        var writer = ctx.Response.BodyWriter;
        await writer.WriteAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":"), ctx.RequestAborted);
        await writer.WriteAsync(obj, ctx.RequestAborted);
        await writer.WriteAsync("}"u8.ToArray(), ctx.RequestAborted);
        await writer.WriteAsync(Newline, ctx.RequestAborted);
        await writer.FlushAsync(ctx.RequestAborted);
    }

    // ------------------------------------------------------------------ writes

    private async Task CreateAsync(HttpContext ctx, RequestInfo info, ApiResource r)
    {
        if (info.Subresource.Length > 0) throw StatusException.MethodNotAllowed("the server does not allow this method on the requested resource");
        var obj = await ReadObjectAsync(ctx, r);
        PrepareIdentity(obj, info, r);
        CheckFieldValidation(ctx, r, obj);
        EnsureNamespaceExists(r, info.Namespace);
        var stored = Versioning.ToStorage(r, obj);
        ResetStatusOnCreate(r, stored);
        Defaulting.Apply(r.Storage, stored);
        Validate(r, stored);
        var created = _store.Create(r.Storage, stored, IsDryRun(ctx));
        await WriteBytesAsync(ctx, 201, ServedBytes(r, created));
    }

    private async Task UpdateAsync(HttpContext ctx, RequestInfo info, ApiResource r)
    {
        var obj = await ReadObjectAsync(ctx, r, info.Subresource == "scale");
        var result = Write(ctx, info, r, obj);
        await WriteResultAsync(ctx, info, r, result);
    }

    private async Task PatchAsync(HttpContext ctx, RequestInfo info, ApiResource r)
    {
        var patchType = MediaType(ctx.Request.ContentType);
        var body = await ReadBodyAsync(ctx);
        for (var attempt = 0; ; attempt++)
        {
            var current = _store.Get(r.Storage, info.Namespace, info.Name);
            if (current is null)
            {
                if (patchType == PatchTypes.Apply && info.Subresource.Length == 0)
                {
                    // Server-side apply of a missing object creates it.
                    var applied = ParseJsonBody(body);
                    PrepareIdentity(applied, info, r);
                    EnsureNamespaceExists(r, info.Namespace);
                    var toStore = Versioning.ToStorage(r, applied);
                    ResetStatusOnCreate(r, toStore);
                    Defaulting.Apply(r.Storage, toStore);
                    Validate(r, toStore);
                    var created = _store.Create(r.Storage, toStore, IsDryRun(ctx));
                    await WriteBytesAsync(ctx, 201, ServedBytes(r, created));
                    return;
                }
                throw StatusException.NotFound(r.GroupResource, info.Name);
            }
            var currentRv = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            var basis = info.Subresource == "scale" ? Scale(r, current.ToJsonObject()) : Served(r, current.ToJsonObject());
            var patched = Patching.Apply(patchType, basis, body.Span);
            var patchSetRv = (string?)patched["metadata"]?["resourceVersion"] != currentRv;
            if (patched["metadata"] is JsonObject m && !patchSetRv) m["resourceVersion"] = currentRv;
            try
            {
                var result = Write(ctx, info, r, patched);
                await WriteResultAsync(ctx, info, r, result);
                return;
            }
            catch (StatusException e) when (e.Reason == StatusReasons.Conflict && !patchSetRv && attempt < 8)
            {
                // Someone wrote between our read and write: a patch is re-applied to the latest object.
            }
        }
    }

    private sealed record WriteResult(StoredObject Stored, bool Scale);

    /// <summary>The shared PUT/PATCH path for the main resource, /status and /scale.</summary>
    private WriteResult Write(HttpContext ctx, RequestInfo info, ApiResource r, JsonObject obj)
    {
        var dryRun = IsDryRun(ctx);
        var userAgent = ctx.Request.Headers.UserAgent.ToString();
        if (info.Subresource == "scale")
        {
            var replicas = Number(obj["spec"]?["replicas"]);
            if (replicas is not { } n || n < 0)
            {
                throw StatusException.Invalid("autoscaling", "Scale", info.Name,
                    [new StatusCause("FieldValueInvalid", $"Invalid value: {(replicas?.ToString(CultureInfo.InvariantCulture) ?? "null")}: must be greater than or equal to 0", "spec.replicas")]);
            }
            var precondition = (string?)obj["metadata"]?["resourceVersion"];
            var current = _store.GetRequired(r.Storage, info.Namespace, info.Name);
            var target = current.ToJsonObject();
            var before = (int?)Number(target["spec"]?["replicas"]);
            Defaulting.Child(target, "spec")["replicas"] = n;
            target["metadata"]!["resourceVersion"] = string.IsNullOrEmpty(precondition)
                ? current.ResourceVersion.ToString(CultureInfo.InvariantCulture)
                : precondition;
            var stored = _store.Update(r.Storage, target, dryRun);
            if (!dryRun)
            {
                _audit.RecordWrite(new AuditRecord(_store.Time.GetUtcNow(), ApiAudit.ScaleKind, info.Namespace, info.Name,
                    info.ResourcePath, info.Verb, userAgent, before, (int)n));
            }
            return new WriteResult(stored, true);
        }

        PrepareIdentity(obj, info, r);
        CheckFieldValidation(ctx, r, obj);
        var incoming = Versioning.ToStorage(r, obj);
        var existing = _store.GetRequired(r.Storage, info.Namespace, info.Name);
        var existingObj = existing.ToJsonObject();
        var desiredBefore = (int?)Number(existingObj["status"]?["desiredReplicas"]);
        JsonObject toStore;
        if (info.Subresource == "status")
        {
            // The status subresource changes status only; everything else stays as stored.
            toStore = existingObj;
            toStore["status"] = incoming["status"]?.DeepClone();
            if (toStore["status"] is null) toStore.Remove("status");
            toStore["metadata"]!["resourceVersion"] = (string?)incoming["metadata"]?["resourceVersion"];
            if (string.IsNullOrEmpty((string?)toStore["metadata"]!["resourceVersion"])) ((JsonObject)toStore["metadata"]!).Remove("resourceVersion");
        }
        else
        {
            toStore = incoming;
            if (r.HasStatus)
            {
                // The main resource ignores status changes when a status subresource exists.
                toStore.Remove("status");
                if (existingObj["status"] is { } status) toStore["status"] = status.DeepClone();
            }
            Defaulting.Apply(r.Storage, toStore);
        }
        Validate(r, toStore, existing.ToJsonObject(), info.Subresource == "status");
        var updated = _store.Update(r.Storage, toStore, dryRun);
        if (!dryRun && info.Subresource == "status" && r.Storage == GroupResource.HorizontalPodAutoscalers)
        {
            _audit.RecordWrite(new AuditRecord(_store.Time.GetUtcNow(), ApiAudit.HpaStatusKind, info.Namespace, info.Name,
                info.ResourcePath, info.Verb, userAgent, desiredBefore, (int?)Number(toStore["status"]?["desiredReplicas"])));
        }
        return new WriteResult(updated, false);
    }

    private async Task WriteResultAsync(HttpContext ctx, RequestInfo info, ApiResource r, WriteResult result)
    {
        if (result.Scale) await WriteJsonAsync(ctx, 200, Scale(r, result.Stored.ToJsonObject()));
        else await WriteBytesAsync(ctx, 200, ServedBytes(r, result.Stored));
    }

    private async Task DeleteAsync(HttpContext ctx, RequestInfo info, ApiResource r)
    {
        if (info.Subresource.Length > 0) throw StatusException.MethodNotAllowed("the server does not allow this method on the requested resource");
        var options = await ReadDeleteOptionsAsync(ctx);
        var dryRun = IsDryRun(ctx) || options?["dryRun"] is JsonArray { Count: > 0 };
        var preconditions = options?["preconditions"] as JsonObject;
        var deleted = _store.Delete(r.Storage, info.Namespace, info.Name,
            (string?)preconditions?["uid"], (string?)preconditions?["resourceVersion"], dryRun);
        if (!dryRun)
        {
            var propagation = (string?)options?["propagationPolicy"];
            if (options?["orphanDependents"] is JsonValue orphan && orphan.TryGetValue<bool>(out var o) && o) propagation = "Orphan";
            if (r.Storage == GroupResource.Namespaces) DeleteNamespaceContents(info.Name);
            else if (propagation != "Orphan") CollectDependents(deleted);
        }
        await WriteBytesAsync(ctx, 200, ServedBytes(r, deleted));
    }

    private async Task DeleteCollectionAsync(HttpContext ctx, RequestInfo info, ApiResource r)
    {
        var q = ctx.Request.Query;
        var deleted = _store.DeleteCollection(r.Storage, new ListOptions
        {
            Namespace = info.Namespace,
            LabelSelector = LabelSelector.Parse(q["labelSelector"]),
            FieldSelector = Versioning.FieldSelectorToStorage(r, FieldSelector.Parse(q["fieldSelector"])),
        }, IsDryRun(ctx));
        if (!IsDryRun(ctx))
        {
            foreach (var d in deleted) CollectDependents(d);
        }
        var list = new JsonObject
        {
            ["kind"] = r.ListKind,
            ["apiVersion"] = r.GroupVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = _store.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = new JsonArray(deleted.Select(d => (JsonNode)Served(r, d.ToJsonObject())).ToArray()),
        };
        await WriteJsonAsync(ctx, 200, list);
    }

    // The garbage collector's background deletion for the owner chains workloads form:
    // Deployment → ReplicaSets → Pods, StatefulSet → Pods.
    private void CollectDependents(StoredObject owner)
    {
        if (owner.Namespace.Length == 0) return;
        foreach (var dependent in new[] { GroupResource.ReplicaSets, GroupResource.Pods })
        {
            foreach (var candidate in _store.List(dependent, new ListOptions { Namespace = owner.Namespace }).Items)
            {
                var refs = candidate.ToJsonObject()["metadata"]?["ownerReferences"] as JsonArray;
                if (refs is null || !refs.Any(o => (string?)o?["uid"] == owner.Uid)) continue;
                try
                {
                    var gone = _store.Delete(dependent, candidate.Namespace, candidate.Name);
                    CollectDependents(gone);
                }
                catch (StatusException e) when (e.Reason == StatusReasons.NotFound)
                {
                    // Already gone.
                }
            }
        }
    }

    private void DeleteNamespaceContents(string ns)
    {
        foreach (var storage in ResourceCatalog.Resources.Where(x => x.Namespaced).Select(x => x.Storage).Distinct())
        {
            _store.DeleteCollection(storage, new ListOptions { Namespace = ns });
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void PrepareIdentity(JsonObject obj, RequestInfo info, ApiResource r)
    {
        var kind = (string?)obj["kind"];
        var apiVersion = (string?)obj["apiVersion"];
        if (!string.IsNullOrEmpty(kind) && kind != r.Kind)
        {
            throw StatusException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({r.Kind})");
        }
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != r.GroupVersion)
        {
            throw StatusException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({r.GroupVersion})");
        }
        // Clients such as KubernetesClient send objects without kind/apiVersion: the URL says what they are.
        obj["kind"] = r.Kind;
        obj["apiVersion"] = r.GroupVersion;
        var meta = obj["metadata"] as JsonObject;
        if (meta is null)
        {
            meta = [];
            obj["metadata"] = meta;
        }
        if (info.Name.Length > 0)
        {
            var name = (string?)meta["name"];
            if (string.IsNullOrEmpty(name)) meta["name"] = info.Name;
            else if (name != info.Name)
            {
                throw StatusException.BadRequest($"the name of the object ({name}) does not match the name on the URL ({info.Name})");
            }
        }
        if (r.Namespaced)
        {
            var ns = (string?)meta["namespace"];
            if (!string.IsNullOrEmpty(ns) && ns != info.Namespace)
            {
                throw StatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            meta["namespace"] = info.Namespace;
        }
        else
        {
            meta.Remove("namespace");
        }
    }

    private void EnsureNamespaceExists(ApiResource r, string ns)
    {
        if (r.Namespaced && _store.Get(GroupResource.Namespaces, "", ns) is null)
        {
            throw StatusException.NotFound(GroupResource.Namespaces, ns);
        }
    }

    // The service IP allocator: the next free address of the default 10.96.0.0/12 service CIDR.
    private int _lastServiceIp;

    private void AllocateClusterIp(ApiResource r, JsonObject obj)
    {
        if (r.Storage != GroupResource.Services || obj["spec"] is not JsonObject spec) return;
        if ((string?)spec["type"] == "ExternalName" || !string.IsNullOrEmpty((string?)spec["clusterIP"])) return;
        // The first (10.96.0.1) goes to default/kubernetes, created at start, as on a cluster.
        var n = Interlocked.Increment(ref _lastServiceIp) - 1;
        var ip = $"10.96.{n / 254}.{n % 254 + 1}";
        spec["clusterIP"] = ip;
        spec["clusterIPs"] = new JsonArray(ip);
        spec["ipFamilies"] ??= new JsonArray("IPv4");
        spec["ipFamilyPolicy"] ??= "SingleStack";
    }

    // PrepareForCreate of the registry strategies: clients cannot create status.
    private void ResetStatusOnCreate(ApiResource r, JsonObject obj)
    {
        AllocateClusterIp(r, obj);
        if (!r.HasStatus || r.Storage == GroupResource.Nodes || r.Storage == GroupResource.Namespaces) return;
        obj.Remove("status");
        if (r.Storage == GroupResource.Pods) obj["status"] = new JsonObject { ["phase"] = "Pending" };
        else if (r.Storage == GroupResource.ApiServices)
        {
            obj["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Available",
                    ["status"] = "True",
                    ["lastTransitionTime"] = ClusterStore.FormatTime(DateTimeOffset.UtcNow),
                    ["reason"] = obj["spec"]?["service"] is null ? "Local" : "Passed",
                    ["message"] = obj["spec"]?["service"] is null ? "Local APIServices are always available" : "all checks passed",
                }),
            };
        }
        else if (r.Storage == GroupResource.HorizontalPodAutoscalers)
        {
            obj["status"] = new JsonObject { ["currentReplicas"] = 0, ["desiredReplicas"] = 0 };
        }
    }

    // Unknown fields are detected where a schema is known: HPAs, through the core decoder.
    private static void CheckFieldValidation(HttpContext ctx, ApiResource r, JsonObject obj)
    {
        if (ctx.Request.Query["fieldValidation"] == "Strict" && r.Storage == GroupResource.HorizontalPodAutoscalers)
        {
            CoreHpaConverter.CheckStrict(obj);
        }
    }

    private static void Validate(ApiResource r, JsonObject stored, JsonObject? old = null, bool statusUpdate = false)
    {
        if (r.Storage == GroupResource.HorizontalPodAutoscalers) HpaAdmission.Validate(stored, old, statusUpdate);
        else if (!statusUpdate) ObjectValidation.Validate(r, stored);
    }

    /// <summary>autoscaling/v1 Scale of a workload: spec.replicas, status.replicas and the selector as a string.</summary>
    private static JsonObject Scale(ApiResource r, JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject ?? [];
        var scale = new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = meta["name"]?.DeepClone(),
                ["namespace"] = meta["namespace"]?.DeepClone(),
                ["uid"] = meta["uid"]?.DeepClone(),
                ["resourceVersion"] = meta["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = meta["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = (long?)Number(obj["spec"]?["replicas"]) ?? 0 },
        };
        var status = new JsonObject { ["replicas"] = (long?)Number(obj["status"]?["replicas"]) ?? 0 };
        if (obj["spec"]?["selector"] is JsonObject selector)
        {
            status["selector"] = LabelSelector.FromJson(selector).ToString();
        }
        scale["status"] = status;
        return scale;
    }

    private static JsonObject Served(ApiResource r, JsonObject stored) =>
        Versioning.NeedsConversion(r) ? Versioning.FromStorage(r, stored) : stored;

    private static ReadOnlyMemory<byte> ServedBytes(ApiResource r, StoredObject stored) =>
        Versioning.NeedsConversion(r)
            ? WireJson.Serialize(Versioning.FromStorage(r, stored.ToJsonObject()))
            : stored.Json;

    private async Task<JsonObject> ReadObjectAsync(HttpContext ctx, ApiResource r, bool scale = false)
    {
        var body = await ReadBodyAsync(ctx);
        var mediaType = MediaType(ctx.Request.ContentType);
        if (mediaType == ProtobufMediaType)
        {
            return KubeProtobuf.DecodeObject(body.Span, scale ? "autoscaling/v1" : r.GroupVersion, scale ? "Scale" : r.Kind);
        }
        if (mediaType is not ("" or JsonMediaType))
        {
            throw new StatusException(415, StatusReasons.UnsupportedMediaType,
                $"the body of the request was in an unknown format - accepted media types include: {JsonMediaType}, {ProtobufMediaType}");
        }
        return ParseJsonBody(body);
    }

    private static JsonObject ParseJsonBody(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonNode.Parse(body.Span) as JsonObject ?? throw StatusException.BadRequest("the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw StatusException.BadRequest($"couldn't decode the request body as JSON: {e.Message}");
        }
    }

    private static async Task<JsonObject?> ReadDeleteOptionsAsync(HttpContext ctx)
    {
        var body = await ReadBodyAsync(ctx);
        if (body.Length == 0) return null;
        if (MediaType(ctx.Request.ContentType) == ProtobufMediaType) return null;
        return ParseJsonBody(body);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext ctx)
    {
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    public static string MediaType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return "";
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
    }

    private static bool WantsTable(HttpContext ctx) =>
        ctx.Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    private static bool IncludeObject(HttpContext ctx) => ctx.Request.Query["includeObject"] == "Object";

    private static bool IsDryRun(HttpContext ctx) => ctx.Request.Query["dryRun"].Any(v => v == "All");

    private static int? ParseInt(string? text, string field)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw StatusException.BadRequest($"{field}: Invalid value: \"{text}\": must be a non-negative integer");
        }
        return value;
    }

    private static double? Number(JsonNode? n) => JsonNumbers.Double(n);

    public static async Task WriteStatusAsync(HttpContext ctx, StatusException e)
    {
        if (e.RetryAfterSeconds is { } retry) ctx.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
        await WriteJsonAsync(ctx, e.Code, e.ToStatus());
    }

    public static Task WriteJsonAsync(HttpContext ctx, int status, JsonNode body) =>
        WriteBytesAsync(ctx, status, WireJson.Serialize(body));

    public static async Task WriteBytesAsync(HttpContext ctx, int status, ReadOnlyMemory<byte> body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = JsonMediaType;
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }
}
