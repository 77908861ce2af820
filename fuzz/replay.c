/*
 * replay.c - runs a fuzz target over a saved corpus without libFuzzer.
 *
 * Linked with each fuzz target in the normal build, so every corpus input
 * (including past crashes, kept as regression cases) runs under the test
 * suite and the sanitizer build. Arguments are files or directories.
 * Output is TAP: one line per input.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (16u << 20)

static int count;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		printf("not ok %d - %s: cannot open\n", ++count, path);
		return 1;
	}
	uint8_t *data = malloc(REPLAY_MAX_INPUT);
	size_t n = data != NULL ? fread(data, 1, REPLAY_MAX_INPUT, f) : 0;
	fclose(f);
	if (data == NULL) {
		printf("not ok %d - %s: out of memory\n", ++count, path);
		return 1;
	}
	/* Copy to an exact-size block so ASan sees overreads. */
	uint8_t *exact = malloc(n ? n : 1);
	if (exact != NULL) {
		memcpy(exact, data, n);
		LLVMFuzzerTestOneInput(exact, n);
	}
	free(exact);
	free(data);
	printf("ok %d - %s\n", ++count, path);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *path)
{
	DIR *d = opendir(path);
	if (d == NULL) {
		printf("not ok %d - %s: cannot open directory\n", ++count, path);
		return 1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char **grown = realloc(names, (n + 1) * sizeof(*names));
		if (grown == NULL)
			break;
		names = grown;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		char full[4096];
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		failed |= replay_file(full);
		free(names[i]);
	}
	free(names);
	return failed;
}

int main(int argc, char **argv)
{
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			failed |= replay_dir(argv[i]);
		else
			failed |= replay_file(argv[i]);
	}
	printf("1..%d\n", count);
	return failed;
}
