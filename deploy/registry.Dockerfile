# Apicurio Registry 2.4.2.Final serving the Confluent REST API at /apis/ccompat/v7, built by the
# schema-registry module (the runner jar plus its lib/ directory).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -pl schema-registry install -DskipTests

FROM eclipse-temurin:17-jre
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/schema-registry/target/lib /opt/registry/lib
COPY --from=build /src/schema-registry/target/schema-registry-0.1.0-SNAPSHOT-runner.jar /opt/registry/registry.jar
EXPOSE 8081
ENTRYPOINT ["java", "-Dquarkus.http.host=0.0.0.0", "-Dquarkus.http.port=8081", "-jar", "/opt/registry/registry.jar"]
