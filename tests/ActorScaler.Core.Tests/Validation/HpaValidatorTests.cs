using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;
using ActorScaler.Core.Validation;
using Xunit;

namespace ActorScaler.Core.Tests.Validation;

public sealed class HpaValidatorTests
{
    private static HorizontalPodAutoscaler Valid() => HpaDefaults.Apply(new HorizontalPodAutoscaler
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
        Spec = new HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new CrossVersionObjectReference { Kind = "Deployment", Name = "web", ApiVersion = "apps/v1" },
            MaxReplicas = 4,
        },
    });

    [Fact]
    public void A_defaulted_minimal_HPA_is_valid() => Assert.Empty(HpaValidator.Validate(Valid()));

    [Fact]
    public void Invalid_message_is_kube_apiservers_422_text()
    {
        var one = HpaValidator.Validate(Valid() with { Spec = Valid().Spec with { MaxReplicas = 1, MinReplicas = 1, ScaleTargetRef = new() { Name = "web" } } });
        Assert.Equal("HorizontalPodAutoscaler.autoscaling \"web\" is invalid: spec.scaleTargetRef.kind: Required value",
            HpaValidator.InvalidMessage("web", one));

        var two = HpaValidator.Validate(Valid() with { Spec = Valid().Spec with { MaxReplicas = 0 } });
        Assert.Equal(
            "HorizontalPodAutoscaler.autoscaling \"web\" is invalid: [spec.maxReplicas: Invalid value: 0: must be greater than or equal to 1, "
            + "spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`]",
            HpaValidator.InvalidMessage("web", two));
    }

    [Fact]
    public void Field_errors_carry_the_status_cause_reason_and_body()
    {
        var errors = HpaValidator.Validate(Valid() with { Spec = Valid().Spec with { MaxReplicas = 0, ScaleTargetRef = new() { Kind = "Deployment" } } });
        var required = errors.Single(e => e.Field == "spec.scaleTargetRef.name");
        Assert.Equal("FieldValueRequired", required.Type.Reason);
        Assert.Equal("Required value", required.Body);
        var invalid = errors.First(e => e.Field == "spec.maxReplicas");
        Assert.Equal("FieldValueInvalid", invalid.Type.Reason);
        Assert.Equal("Invalid value: 0: must be greater than or equal to 1", invalid.Body);
    }

    [Fact]
    public void Unknown_metric_type_is_reported_twice_but_printed_once_like_upstream()
    {
        var hpa = Valid() with { Spec = Valid().Spec with { Metrics = [new MetricSpec { Type = "Foo" }] } };
        var errors = HpaValidator.Validate(hpa);
        Assert.Equal(2, errors.Count(e => e.Type == FieldErrorType.NotSupported));
        Assert.Equal(
            "HorizontalPodAutoscaler.autoscaling \"web\" is invalid: spec.metrics[0].type: Unsupported value: \"Foo\": supported values: \"ContainerResource\", \"External\", \"Object\", \"Pods\", \"Resource\"",
            HpaValidator.InvalidMessage("web", errors));
    }

    [Fact]
    public void Scale_to_zero_can_be_switched_off_like_the_feature_gate()
    {
        var hpa = Valid() with
        {
            Spec = Valid().Spec with
            {
                MinReplicas = 0,
                Metrics =
                [
                    new MetricSpec
                    {
                        Type = MetricSourceType.External,
                        External = new ExternalMetricSource
                        {
                            Metric = new MetricIdentifier { Name = "queue" },
                            Target = new MetricTarget { Type = MetricTargetType.Value, Value = Quantity.Parse("10") },
                        },
                    },
                ],
            },
        };
        Assert.Empty(HpaValidator.Validate(hpa));
        var gated = HpaValidator.Validate(hpa, new HpaValidationOptions { ScaleToZero = false });
        Assert.Equal("spec.minReplicas: Invalid value: 0: must be greater than or equal to 1", Assert.Single(gated).ToString());
    }

    [Fact]
    public void Updates_keep_identity_and_an_existing_zero_minimum()
    {
        var old = Valid() with { Metadata = Valid().Metadata with { Uid = "u-1" } };
        var renamed = old with { Metadata = old.Metadata with { Name = "other" } };
        Assert.Equal("metadata.name: Invalid value: \"other\": field is immutable",
            Assert.Single(HpaValidator.ValidateUpdate(renamed, old)).ToString());

        var zeroOld = old with { Spec = old.Spec with { MinReplicas = 0 } };
        var gateOff = new HpaValidationOptions { ScaleToZero = false };
        var stillZero = HpaValidator.ValidateUpdate(zeroOld, zeroOld, gateOff);
        Assert.DoesNotContain(stillZero, e => e.Field == "spec.minReplicas");
        var newZero = HpaValidator.ValidateUpdate(zeroOld, old, gateOff);
        Assert.Contains(newZero, e => e.ToString() == "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1");
    }

    [Fact]
    public void Status_updates_reject_negative_replica_counts()
    {
        var old = Valid();
        var updated = old with { Status = new HorizontalPodAutoscalerStatus { CurrentReplicas = -1, DesiredReplicas = -2 } };
        Assert.Equal(
            ["status.currentReplicas: Invalid value: -1: must be greater than or equal to 0", "status.desiredReplicas: Invalid value: -2: must be greater than or equal to 0"],
            HpaValidator.ValidateStatusUpdate(updated, old).Select(e => e.ToString()));
        Assert.Empty(HpaValidator.ValidateStatusUpdate(old with { Status = new HorizontalPodAutoscalerStatus { CurrentReplicas = 3 } }, old));
    }

    [Theory]
    [InlineData("0", "\"0\"")]
    [InlineData("-100m", "\"-100m\"")]
    [InlineData("-1.5", "\"-1500m\"")]
    [InlineData("-1E3", "\"-1E3\"")]
    public void Quantities_print_as_their_JSON_in_field_errors(string text, string rendered)
    {
        var error = Assert.Single(HpaValidator.Validate(Valid() with
        {
            Spec = Valid().Spec with
            {
                Metrics =
                [
                    new MetricSpec
                    {
                        Type = MetricSourceType.Resource,
                        Resource = new ResourceMetricSource
                        {
                            Name = "memory",
                            Target = new MetricTarget { Type = MetricTargetType.AverageValue, AverageValue = Quantity.Parse(text) },
                        },
                    },
                ],
            },
        }));
        Assert.Equal($"spec.metrics[0].resource.target.averageValue: Invalid value: {rendered}: must be positive", error.ToString());
    }
}
