namespace ActorScaler.Actors.Protocol;

/// <summary>Every message that may cross the wire between members. The protobuf serializer is
/// bound to this interface (strict serialization: anything else fails loudly instead of falling back
/// to Newtonsoft).</summary>
public interface IActorScalerMessage;

/// <summary>Routed to the HPA shard region; the entity id is "namespace/name".</summary>
public interface IWithHpaKey
{
    string HpaKey { get; }
}

/// <summary>Routed to the scale-target shard region; the entity id is <c>ScaleTargetKey</c>
/// ("namespace/resource/name").</summary>
public interface IWithScaleTarget
{
    string TargetKey { get; }
}

/// <summary>Routed to the node-scraper shard region; the entity id is the Kubernetes node name.</summary>
public interface IWithNodeName
{
    string NodeName { get; }
}
