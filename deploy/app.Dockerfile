# PhysMaster roles on the JVM without a GPU (topics job, Streams app, judge, annotator page).
# The image holds the built repository; `physmaster <role>` runs a role with its module's classpath.
FROM maven:3.9-eclipse-temurin-17
WORKDIR /opt/physmaster
COPY . .
RUN mvn -B -q install -DskipTests && rm -rf /root/.m2/repository/io/physmaster
ENV PHYSMASTER_HOME=/opt/physmaster
ENTRYPOINT ["/opt/physmaster/physmaster"]
