/* Naive recursive Fibonacci: a call-heavy CPU benchmark. Prints fib(N) for N = argv[1] (default 30). */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 30;
    printf("%d\n", fib(n));
    return 0;
}
