# FactDesk service image: build with the .NET SDK, run on the ASP.NET runtime as the non-root user app.
# (Where no base image can be pulled, ops/docker/service-image builds the same image from this machine's own .NET.)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore from the project files alone: this layer is reused until a project file changes.
COPY Directory.Build.props ./
COPY src/FactDesk.TamperEvidence/FactDesk.TamperEvidence.csproj src/FactDesk.TamperEvidence/
COPY src/FactDesk.TransparencyLog/FactDesk.TransparencyLog.csproj src/FactDesk.TransparencyLog/
COPY src/FactDesk.Api/FactDesk.Api.csproj src/FactDesk.Api/
RUN dotnet restore src/FactDesk.Api/FactDesk.Api.csproj
COPY src/ src/
RUN dotnet publish src/FactDesk.Api/FactDesk.Api.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
COPY seeds /seeds
ENV ASPNETCORE_URLS=http://0.0.0.0:8080
EXPOSE 8080
# APP_UID (1654) is the image's non-root user.
USER $APP_UID
ENTRYPOINT ["dotnet", "FactDesk.Api.dll"]
