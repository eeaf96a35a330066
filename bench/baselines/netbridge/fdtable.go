package main

// As nslua's constructor does (engine/nsexec): grow the fd table to 1024
// entries while the process has one thread, so that holding a few hundred
// namespace fds and netlink sockets never makes the kernel wait for an RCU
// grace period on a shared table.

/*
#include <fcntl.h>
#include <unistd.h>

__attribute__((constructor)) static void netbridge_grow_fd_table(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, 1023);
		if (high >= 0) {
			close(high);
			return;
		}
	}
}
*/
import "C"
