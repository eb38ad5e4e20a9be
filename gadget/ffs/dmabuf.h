/* SPDX-License-Identifier: MIT */
/*
 * FunctionFS DMABUF (Linux 6.9 on): an endpoint moves data straight from or
 * to a dma-buf the daemon attached to it, with no copy through a kernel
 * buffer of f_fs's.  The buffers are memfd pages exported by /dev/udmabuf.
 *
 * What the kernel gives, read from 6.12's f_fs.c:
 *   - FUNCTIONFS_DMABUF_ATTACH needs the UDC's sg_supported (else -EPERM)
 *     and a gadget bound to it (also -EPERM before BIND); kernels before
 *     6.9 do not know the ioctl (-ENOTTY).  Attaching maps the buffer for
 *     the UDC's device (dma_buf_map_attachment).
 *   - FUNCTIONFS_DMABUF_TRANSFER queues one request of length bytes (not 0)
 *     and returns; the buffer's reservation gets a fence that f_fs signals
 *     on completion, with the request's status as the fence's error.  The
 *     fence carries no length: an OUT transfer that ends early (a short
 *     packet) completes like a full one, and what arrived cannot be told
 *     from stale bytes.  So the engine runs OUT endpoints on DMABUF only
 *     for personalities that sink data unread (fg_personality.dmabuf), and
 *     counts those transfers, not their bytes.
 *   - The dma-buf's poll reports the fence: EPOLLOUT once every fence on it
 *     is signalled (an IN transfer's fence is a read fence, which EPOLLIN
 *     does not wait for).
 *   - The status: DMA_BUF_IOCTL_EXPORT_SYNC_FILE gives a sync_file of the
 *     fences still pending, whose SYNC_IOC_FILE_INFO status is the error
 *     once signalled.  A fence already signalled is left out (a stub that
 *     reads as success), so the engine exports right after each TRANSFER;
 *     a transfer that fails before that export (microseconds) reads as a
 *     success.  That window is the kernel interface's, not closable here.
 *   - Closing the endpoint file detaches every buffer and dequeues what is
 *     in flight; FUNCTIONFS_DMABUF_DETACH does it for one buffer.
 *   - DETACH and TRANSFER dereference the function's gadget before
 *     anything else, and it is NULL once the function is unbound (f_fs
 *     stays ACTIVE): a NULL pointer oops in 6.12.118, seen in the VM, that
 *     kills the daemon.  So the engine never calls them between a
 *     disable and the next ENABLE: a transfer completing with -ESHUTDOWN
 *     (the endpoint going away) stops the stream until ENABLE, and
 *     attachments outlive UNBIND, renewed at the next bind's first ENABLE.
 *     A transfer submitted on a completion that raced an unbind can still
 *     reach the NULL pointer: only the kernel can close that window.
 */
#ifndef FFSGADGET_DMABUF_H
#define FFSGADGET_DMABUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/usb/functionfs.h>

/*
 * Debian 12's kernel headers (6.1) predate these; the values are the
 * kernel's ABI (include/uapi/linux/usb/functionfs.h, 6.9 on), so a daemon
 * built there still uses them where the running kernel has them.
 */
#ifndef FUNCTIONFS_DMABUF_ATTACH
struct usb_ffs_dmabuf_transfer_req {
	int fd;
	uint32_t flags;
	uint64_t length;
} __attribute__((packed));
#define FUNCTIONFS_DMABUF_ATTACH _IOW('g', 131, int)
#define FUNCTIONFS_DMABUF_DETACH _IOW('g', 132, int)
#define FUNCTIONFS_DMABUF_TRANSFER _IOW('g', 133, struct usb_ffs_dmabuf_transfer_req)
#endif

#define FG_UDMABUF_DEV "/dev/udmabuf"

/* One udmabuf: memfd pages, mapped here, exported as a dma-buf. */
struct fg_dmabuf {
	int memfd;
	int fd;                 /* the dma-buf */
	uint8_t *map;
	size_t size;
	bool attached;          /* to the endpoint file (FUNCTIONFS_DMABUF_ATTACH) */
};

/* Resets b to "nothing held" (fds -1), so release is safe on it. */
void fg_dmabuf_clear(struct fg_dmabuf *b);

/*
 * A buffer of size bytes (rounded up to the page) from the udmabuf device
 * udmabuf_fd, mapped read-write.  0 or a negative errno; nothing is left
 * held on failure.
 */
int fg_dmabuf_create(int udmabuf_fd, size_t size, struct fg_dmabuf *b);

/* Unmaps and closes (a buffer still attached is detached by the kernel on close of the endpoint). */
void fg_dmabuf_release(struct fg_dmabuf *b);

/*
 * Whether the kernel's FunctionFS knows the DMABUF ioctls, asked of endpoint
 * file ep_fd without a buffer: DETACH of fd -1 is -EBADF from a 6.9+ f_fs
 * (it looks the dma-buf up first) and -ENOTTY before.  -ENOTTY, or 0 (also
 * when the answer is something else: the attach then tells).
 */
int fg_dmabuf_probe(int ep_fd);

/* The FunctionFS ioctls on endpoint file ep_fd: 0 or a negative errno. */
int fg_dmabuf_attach(int ep_fd, struct fg_dmabuf *b);
int fg_dmabuf_detach(int ep_fd, struct fg_dmabuf *b);
int fg_dmabuf_transfer(int ep_fd, const struct fg_dmabuf *b, size_t len);

/*
 * The sync_file of the buffer's pending fences (DMA_BUF_IOCTL_EXPORT_SYNC_FILE),
 * or a negative errno; fg_dmabuf_sync_status reads it: 1 signalled, 0
 * pending, or the fence's negative errno.
 */
int fg_dmabuf_export_fence(const struct fg_dmabuf *b);
int fg_dmabuf_sync_status(int sync_fd);

/* CPU access brackets (DMA_BUF_IOCTL_SYNC) around writing the buffer: 0 or a negative errno. */
int fg_dmabuf_cpu_write(const struct fg_dmabuf *b, bool start);

/*
 * Why an endpoint stays on AIO, for the log and status: err is the
 * negative errno of opening the udmabuf device, creating a buffer or
 * attaching it.  *expected is set when it is what a kernel or UDC without
 * DMABUF says (-ENOTTY: no DMABUF ioctls, before 6.9; -EPERM: the UDC has
 * no sg_supported; -ENOENT: no /dev/udmabuf), as opposed to a failure
 * worth a warning.
 */
const char *fg_dmabuf_refusal(int err, bool *expected);

/*
 * What is known of a UDC driver's sg_supported, which no file in sysfs
 * shows (read from the kernel's source: dwc3 sets it; dwc2 only with
 * descriptor DMA; the stock dummy_udc never): for doctor.
 */
const char *fg_dmabuf_udc_note(const char *driver);

#endif
