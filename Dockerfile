# ActorScaler's image: build with the SDK, run on the ASP.NET Core runtime as a non-root user.
# deploy/statefulset.yaml runs it with a read-only root filesystem, an emptyDir at /tmp and the
# ConfigMap deploy/configmap.yaml mounted at /etc/actorscaler.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# The build inputs only (see .dockerignore): a change to tests or docs does not rebuild the image.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
COPY hocon/ hocon/
RUN dotnet publish src/ActorScaler/ActorScaler.csproj -c Release -o /app --nologo -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# A fixed numeric user (10001) so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd;
# the StatefulSet's securityContext names the same ids.
RUN groupadd --system --gid 10001 actorscaler \
 && useradd --system --uid 10001 --gid actorscaler --no-create-home actorscaler
WORKDIR /app
COPY --from=build /app .
# The shipped HOCON is also /app/hocon/actorscaler.conf (always loaded first). This copy is the
# --config default, so the image runs as is; in Kubernetes the ConfigMap is mounted over this directory.
COPY hocon/actorscaler.conf /etc/actorscaler/actorscaler.conf
USER 10001:10001
ENV DOTNET_gcServer=0 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1
# 4053: Akka remoting between members. 8443: HTTPS for the Metrics API (the APIService), /metrics
# (Prometheus), /healthz and /readyz.
EXPOSE 4053 8443
ENTRYPOINT ["dotnet", "actorscaler.dll"]
CMD ["run", "--in-cluster", "--listen-address=0.0.0.0:8443", "--config=/etc/actorscaler/actorscaler.conf"]
