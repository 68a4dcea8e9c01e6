// A file-heavy skill: creates N small files in /data, writes each, reads them all back, lists the folder and removes
// them. Prints "files N bytes B entries E". Build: clang --target=wasm32-wasi -O2 -o files.wasm files.c
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    char name[64], buf[256];
    long bytes = 0;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "/data/f%05d.txt", i);
        FILE *f = fopen(name, "w");
        if (!f) { perror(name); return 1; }
        fprintf(f, "file %d: the quick brown fox jumps over the lazy dog\n", i);
        fclose(f);
    }
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "/data/f%05d.txt", i);
        FILE *f = fopen(name, "r");
        if (!f) { perror(name); return 2; }
        bytes += (long) fread(buf, 1, sizeof buf, f);
        fclose(f);
    }
    long entries = 0;
    DIR *d = opendir("/data");
    if (!d) { perror("/data"); return 3; }
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, "f", 1) == 0) entries++;
    }
    closedir(d);
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "/data/f%05d.txt", i);
        if (unlink(name) != 0) { perror(name); return 4; }
    }
    printf("files %d bytes %ld entries %ld\n", n, bytes, entries);
    return 0;
}
