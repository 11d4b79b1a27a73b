# Multi-stage: build with the SDK, run on the ASP.NET runtime as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/ActorScaler/ActorScaler.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app .
# The shipped HOCON is in /app/hocon; in a cluster the ConfigMap is mounted at /etc/actorscaler and
# passed with --config, layered over it.
RUN groupadd --system --gid 10001 actorscaler \
 && useradd --system --uid 10001 --gid actorscaler --no-create-home actorscaler
USER 10001:10001
ENV DOTNET_gcServer=0 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
# 4053: Akka remoting. 8443: Metrics API, /metrics, /healthz, /readyz.
EXPOSE 4053 8443
ENTRYPOINT ["./actorscaler"]
CMD ["run", "--in-cluster", "--listen-address=0.0.0.0:8443"]
