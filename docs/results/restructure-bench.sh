#!/usr/bin/env bash
# Issue 16: before (184eeac) vs after (main) interleaved, 3 rounds, same machine, one run.
set -u
out=/work/runs/bench16b
B=/work/wt/before; A=/work/main
samp() { # tree repo tag
  (cd $1 && ./physmaster bench-sampling --model models/stage1.pmck) > $out/sampling-$3.log 2>&1
}
work() {
  (cd $1 && mvn -B -q -o -Dmaven.repo.local=$2 -pl gpu-workers exec:java -Dexec.classpathScope=test \
     -Dexec.mainClass=io.physmaster.worker.WorkerBenchmark) > $out/worker-$3.log 2>&1
}
strm() {
  (cd $1 && mvn -B -q -o -Dmaven.repo.local=$2 -pl stream-processors exec:java -Dexec.classpathScope=test \
     -Dexec.mainClass=io.physmaster.streams.StreamsThroughputBenchmark -Dexec.args=300000) > $out/streams-$3.log 2>&1
}
for r in 1 2 3; do
  if [ $((r % 2)) = 1 ]; then first=before; else first=after; fi
  for kind in samp work strm; do
    for who in $first $([ $first = before ] && echo after || echo before); do
      if [ $who = before ]; then t=$B; repo=/work/m2/before; else t=$A; repo=$HOME/.m2/repository; fi
      echo "$(date +%T) round $r $kind $who" >> $out/progress.log
      $kind $t $repo $who-$r
    done
  done
done
echo "$(date +%T) done" >> $out/progress.log
