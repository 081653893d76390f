# PhysMaster GPU roles (generation workers, DPO trainer). Built with -Dgpu, which leaves out the bundled CPU
# PyTorch natives: DJL then downloads the CUDA build matching PYTORCH_FLAVOR at first start (cache it by
# mounting /root/.djl.ai) and picks the GPU. Without a visible GPU the same image falls back to the CPU.
FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/physmaster
COPY . .
RUN mvn -B -q -Dgpu install -DskipTests
ENV PHYSMASTER_HOME=/opt/physmaster PYTORCH_FLAVOR=cu124 DJL_OFFLINE=false
ENTRYPOINT ["/opt/physmaster/physmaster"]
