// Open MPI's allreduce on this machine, blocking against non-blocking (+ wait), at the
// sizes of the example models' gradients: the measurement behind GradientReducer's choice
// to sum after backward when every rank shares one machine (docs/distributed.md).
// Also a reduce-scatter and an allgather of the same floats, what a sharded optimizer step
// (ZeRO-1) would use instead of the one allreduce.
//
//   mpicc -O2 tools/allreduce_bench.c -o /tmp/allreduce_bench
//   OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun -np 2 /tmp/allreduce_bench
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REPEATS = 200 };

/// Seconds of one in-place sum of `count` floats, best and mean of REPEATS, each started
/// together on every rank.
static void time_sum(float *values, int count, int blocking, double *best, double *mean) {
    *best = 1e9;
    double total = 0;
    for (int r = 0; r < REPEATS; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        if (blocking) {
            MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        } else {
            MPI_Request request;
            MPI_Iallreduce(MPI_IN_PLACE, values, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
            MPI_Wait(&request, MPI_STATUS_IGNORE);
        }
        double seconds = MPI_Wtime() - start;
        total += seconds;
        if (seconds < *best) *best = seconds;
    }
    *mean = total / REPEATS;
}

/// Seconds of an in-place reduce-scatter (each rank's contiguous share, then moved to its
/// place, as MPI_IN_PLACE leaves it at the start) followed by an in-place allgather.
static void time_sharded(float *values, int count, double *best, double *mean) {
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int *counts = malloc(size * sizeof(int)), *offsets = malloc(size * sizeof(int));
    for (int r = 0, offset = 0; r < size; r++) {
        counts[r] = count / size + (r < count % size ? 1 : 0);
        offsets[r] = offset;
        offset += counts[r];
    }
    *best = 1e9;
    double total = 0;
    for (int r = 0; r < REPEATS; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        MPI_Reduce_scatter(MPI_IN_PLACE, values, counts, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        if (rank > 0) memmove(values + offsets[rank], values, counts[rank] * sizeof(float));
        MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_FLOAT, values, counts, offsets, MPI_FLOAT, MPI_COMM_WORLD);
        double seconds = MPI_Wtime() - start;
        total += seconds;
        if (seconds < *best) *best = seconds;
    }
    *mean = total / REPEATS;
    free(counts);
    free(offsets);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    // mnist_mlp's 537,354 parameters, a quarter and a half of them, and mnist_cnn's 421,834.
    const int sizes[] = {134338, 268677, 537354, 421834};
    for (int s = 0; s < 4; s++) {
        float *values = malloc(sizes[s] * sizeof(float));
        for (int i = 0; i < sizes[s]; i++) values[i] = 1.0f;
        double best, mean, bestNB, meanNB;
        time_sum(values, sizes[s], 1, &best, &mean);
        time_sum(values, sizes[s], 0, &bestNB, &meanNB);
        double bestRS, meanRS;
        time_sharded(values, sizes[s], &bestRS, &meanRS);
        if (rank == 0) {
            printf("%8d floats (%.2f MB): MPI_Allreduce best %.3f ms, mean %.3f ms | "
                   "MPI_Iallreduce + MPI_Wait best %.3f ms, mean %.3f ms | "
                   "MPI_Reduce_scatter + MPI_Allgatherv best %.3f ms, mean %.3f ms\n",
                   sizes[s], sizes[s] * 4 / 1e6, best * 1e3, mean * 1e3, bestNB * 1e3, meanNB * 1e3,
                   bestRS * 1e3, meanRS * 1e3);
        }
        free(values);
    }
    MPI_Finalize();
    return 0;
}
