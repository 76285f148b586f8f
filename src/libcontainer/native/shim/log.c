/* The json-file log driver, written by the shim so logging goes on while the
 * daemon is down. Same framing as dockerd's copier + jsonfilelog: one record per
 * line with its "\n" kept in "log"; a line longer than 16 KiB, or the tail of a
 * stream that closes, is written as a record without the "\n". */
#include "shim.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;
static const char *log_path;
static off_t log_size, log_max_size; /* max 0: no rotation */
static int log_max_files;

int log_open(const char *path, long long max_size, int max_files) {
  log_path = path;
  log_max_size = (off_t)max_size;
  log_max_files = max_files < 1 ? 1 : max_files;
  log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  struct stat st;
  if (log_fd >= 0 && fstat(log_fd, &st) == 0) log_size = st.st_size;
  return log_fd;
}

void log_close(void) {
  if (log_fd >= 0) close(log_fd);
  log_fd = -1;
}

/* --log-max-size/--log-max-files, as dockerd's max-size/max-file: once the file has
   reached the size, log.N-1 → log.N ... log → log.1, and a fresh file; with one file
   the file is truncated instead. */
static void rotate_if_full(void) {
  if (!log_max_size || log_size < log_max_size) return;
  char from[4096], to[4096];
  for (int i = log_max_files - 1; i >= 1; i--) {
    if (i == 1) snprintf(from, sizeof from, "%s", log_path);
    else snprintf(from, sizeof from, "%s.%d", log_path, i - 1);
    snprintf(to, sizeof to, "%s.%d", log_path, i);
    rename(from, to);
  }
  int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return; /* keep writing to the old one rather than lose output */
  close(log_fd);
  log_fd = fd;
  log_size = 0;
}

static void log_write(const char *p, size_t n) {
  if (write_all(log_fd, p, n) > 0) log_size += (off_t)n;
}

/* One record, in as few writes as the escape buffer allows (one for lines up to ~1 KiB
   of control characters, or ~7 KiB of text). The shim is the file's only writer. */
static void emit(const char *stream, const char *data, size_t n) {
  char out[8192];
  struct timespec ts;
  rotate_if_full();
  clock_gettime(CLOCK_REALTIME, &ts);
  size_t len = 0;
  memcpy(out, "{\"log\":\"", 8);
  len = 8;
  size_t i = 0;
  while (i < n) {
    /* Escape at most a slice whose worst case (6 bytes per input byte) fits. */
    size_t room = (sizeof out - 128 - len) / 6;
    if (room == 0) {
      log_write(out, len);
      len = 0;
      continue;
    }
    size_t take = n - i < room ? n - i : room;
    /* Do not cut a UTF-8 sequence in two: back up to its start. */
    for (int k = 0; k < 3 && i + take < n && take > 1 && ((unsigned char)data[i + take] & 0xC0) == 0x80; k++)
      take--;
    len = json_escape(out, sizeof out, len, data + i, take);
    i += take;
  }
  char tbuf[48];
  format_time(tbuf, sizeof tbuf, &ts);
  size_t tail = strlen(stream) + strlen(tbuf) + 32;
  if (len + tail > sizeof out) {
    log_write(out, len);
    len = 0;
  }
  len += (size_t)snprintf(out + len, sizeof out - len, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, tbuf);
  log_write(out, len);
}

void log_data(struct log_stream *ls, const char *data, size_t n) {
  if (log_fd < 0) return;
  while (n > 0) {
    const char *nl = memchr(data, '\n', n);
    size_t chunk = nl ? (size_t)(nl - data) + 1 : n;
    if (ls->len == 0 && nl && chunk <= LOG_LINE_MAX) { /* the common case: a whole line, no copy */
      emit(ls->name, data, chunk);
      data += chunk, n -= chunk;
      continue;
    }
    if (!ls->buf) ls->buf = malloc(LOG_LINE_MAX);
    if (!ls->buf) return;
    size_t take = chunk < LOG_LINE_MAX - ls->len ? chunk : LOG_LINE_MAX - ls->len;
    memcpy(ls->buf + ls->len, data, take);
    ls->len += take;
    data += take, n -= take;
    if (ls->buf[ls->len - 1] == '\n' || ls->len == LOG_LINE_MAX) {
      emit(ls->name, ls->buf, ls->len);
      ls->len = 0;
    }
  }
}

void log_flush(struct log_stream *ls) {
  if (ls->len && log_fd >= 0) emit(ls->name, ls->buf, ls->len);
  ls->len = 0;
  free(ls->buf);
  ls->buf = NULL;
}
