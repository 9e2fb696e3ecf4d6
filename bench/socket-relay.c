/* The bound of any separate log writer on this machine: a relay that does nothing but copy a
 * unix socket into a file, 1 MB per read. Used once by hand to measure the ceiling quoted in
 * README.md (Performance, "Background throughput"); the bench's `socket-relay` mode is the
 * same relay in Node. Build: cc -O2 -o /tmp/relay bench/socket-relay.c
 * Run it in place of the Node relay: node bench/logs.mjs ROUNDS direct-file,socket-relay=/tmp/relay
 * (a relay program takes SOCKET OUT and prints a line once it listens). */
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  if (bind(s, (void *)&a, sizeof a) || listen(s, 8)) { perror("bind"); return 1; }
  int out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0600);
  int size = argc > 3 ? atoi(argv[3]) : 1 << 20;
  char *buf = malloc(size);
  write(1, "ready\n", 6);
  int c = accept(s, 0, 0);
  for (;;) { ssize_t n = read(c, buf, size); if (n <= 0) break; for (ssize_t o = 0; o < n;) { ssize_t w = write(out, buf + o, n - o); if (w < 0) return 1; o += w; } }
  return 0;
}
