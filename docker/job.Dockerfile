# flink-mesos-job on an empty (scratch) image: the static binaries that
# ./build.sh writes and CA certificates for HTTPS masters, nothing else.
# The task executor sits next to the scheduler, which serves it to the tasks.
#
#   ./build.sh && docker build -f docker/job.Dockerfile -t flink-mesos-job .
FROM debian:12-slim AS certs
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates

FROM scratch
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY bin/flink-mesos-job /flink-mesos-job
COPY bin/flink-mesos-taskexecutor /flink-mesos-taskexecutor
ENTRYPOINT ["/flink-mesos-job"]
