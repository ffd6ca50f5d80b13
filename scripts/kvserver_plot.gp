# kvserver_plot.gp: the plot of scripts/loadtest.sh: requests/s and p99
# latency of jetsession-kv against redis-benchmark clients, jetsession
# (solid) against the mutex pool (dashed), and redis-server's PING (dotted).
# Run: gnuplot -e "data='plot.dat'; out='docs/img/kvserver.svg'" kvserver_plot.gp
# The data has one block per test (PING_INLINE, PING_MBULK, SET, GET, INCR),
# as scripts/kvserver_bench_report.py writes it.
set terminal svg size 1100,450 dynamic font "sans,11"
set output out
set termoption noenhanced  # test names have underscores
tests = "PING_INLINE PING_MBULK SET GET INCR"
set logscale x
set xrange [40:1250]
set xtics (50, 200, 1000)
set xlabel "redis-benchmark clients (--sessions 16)"
set key outside bottom center horizontal maxrows 3 font ",9"
set grid
set multiplot layout 1,2
set ylabel "requests/s"
set yrange [0:*]
set title "throughput"
plot for [i=0:4] data index i using 1:2 with linespoints lw 2 lc i+1 \
       title word(tests, i+1)." jetsession", \
     for [i=0:4] data index i using 1:3 with linespoints lw 2 dt 2 lc i+1 \
       title word(tests, i+1)." mutex", \
     for [i=0:1] data index i using 1:4 with linespoints lw 1 dt 3 lc i+1 \
       title word(tests, i+1)." redis-server"
set ylabel "p99 latency (ms)"
set title "p99 latency"
plot for [i=0:4] data index i using 1:5 with linespoints lw 2 lc i+1 \
       title word(tests, i+1)." jetsession", \
     for [i=0:4] data index i using 1:6 with linespoints lw 2 dt 2 lc i+1 \
       title word(tests, i+1)." mutex", \
     for [i=0:1] data index i using 1:7 with linespoints lw 1 dt 3 lc i+1 \
       title word(tests, i+1)." redis-server"
unset multiplot
