# An official Flink image with the task executor added, for the tasks
# (mesos.resourcemanager.tasks.container.image.name). The tasks then run it
# from the image instead of fetching it from the scheduler:
#   -Dmesos.resourcemanager.tasks.taskexecutor-path=/opt/flink/bin/flink-mesos-taskexecutor
#   -Dmesos.resourcemanager.tasks.flink-home=/opt/flink
#
#   ./build.sh && docker build -f docker/flink.Dockerfile --build-arg FLINK_IMAGE=flink:1.20-java17 -t flink-mesos-flink .
ARG FLINK_IMAGE=flink:1.20-java17
FROM ${FLINK_IMAGE}
COPY bin/flink-mesos-taskexecutor /opt/flink/bin/flink-mesos-taskexecutor
ENTRYPOINT ["/opt/flink/bin/flink-mesos-taskexecutor"]
