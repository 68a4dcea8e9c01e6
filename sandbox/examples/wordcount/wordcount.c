/*
 * A C skill built with clang --target=wasm32-wasi and Debian's wasi-libc: counts the lines, words and bytes of the
 * file named by argv[1] (inside the /data grant), then shows that paths outside the grant are refused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void probe(const char *path) {
    FILE *f = fopen(path, "r");
    if (f) {
        printf("OPENED %s\n", path);
        fclose(f);
    } else {
        printf("refused %s: %s\n", path, strerror(errno));
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: wordcount FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        fprintf(stderr, "cannot open %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    long lines = 0, words = 0, bytes = 0;
    int c, in_word = 0;
    while ((c = fgetc(f)) != EOF) {
        bytes++;
        if (c == '\n') lines++;
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    fclose(f);
    printf("%ld %ld %ld %s\n", lines, words, bytes, argv[1]);
    probe("/data/../../etc/passwd");
    probe("/data/escape");
    probe("/etc/passwd");
    return 0;
}
