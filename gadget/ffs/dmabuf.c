/* SPDX-License-Identifier: MIT */
#include "ffs/dmabuf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/sync_file.h>
#include <linux/udmabuf.h>

void fg_dmabuf_clear(struct fg_dmabuf *b)
{
	memset(b, 0, sizeof(*b));
	b->memfd = -1;
	b->fd = -1;
}

int fg_dmabuf_create(int udmabuf_fd, size_t size, struct fg_dmabuf *b)
{
	long page = sysconf(_SC_PAGESIZE);
	struct udmabuf_create req = { 0 };
	void *map;
	int rc;

	fg_dmabuf_clear(b);
	if (page <= 0 || size == 0)
		return -EINVAL;
	size = (size + (size_t)page - 1) / (size_t)page * (size_t)page;
	b->memfd = memfd_create("ffsgadget-dmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (b->memfd < 0)
		return -errno;
	/* udmabuf takes only a memfd that cannot shrink under it (F_SEAL_SHRINK). */
	if (ftruncate(b->memfd, (off_t)size) < 0 ||
	    fcntl(b->memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		goto fail;
	req.memfd = (uint32_t)b->memfd;
	req.flags = UDMABUF_FLAGS_CLOEXEC;
	req.offset = 0;
	req.size = size;
	b->fd = ioctl(udmabuf_fd, UDMABUF_CREATE, &req);
	if (b->fd < 0)
		goto fail;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b->memfd, 0);
	if (map == MAP_FAILED)
		goto fail;
	b->map = map;
	b->size = size;
	return 0;
fail:
	rc = -errno;
	fg_dmabuf_release(b);
	return rc;
}

void fg_dmabuf_release(struct fg_dmabuf *b)
{
	if (b->map)
		munmap(b->map, b->size);
	if (b->fd >= 0)
		close(b->fd);
	if (b->memfd >= 0)
		close(b->memfd);
	fg_dmabuf_clear(b);
}

int fg_dmabuf_probe(int ep_fd)
{
	int none = -1;

	if (ioctl(ep_fd, FUNCTIONFS_DMABUF_DETACH, &none) < 0 && errno == ENOTTY)
		return -ENOTTY;
	return 0;
}

int fg_dmabuf_attach(int ep_fd, struct fg_dmabuf *b)
{
	int fd = b->fd;

	if (ioctl(ep_fd, FUNCTIONFS_DMABUF_ATTACH, &fd) < 0)
		return -errno;
	b->attached = true;
	return 0;
}

int fg_dmabuf_detach(int ep_fd, struct fg_dmabuf *b)
{
	int fd = b->fd;

	if (!b->attached)
		return 0;
	b->attached = false;
	return ioctl(ep_fd, FUNCTIONFS_DMABUF_DETACH, &fd) < 0 ? -errno : 0;
}

int fg_dmabuf_transfer(int ep_fd, const struct fg_dmabuf *b, size_t len)
{
	struct usb_ffs_dmabuf_transfer_req req = { .fd = b->fd, .flags = 0, .length = len };

	return ioctl(ep_fd, FUNCTIONFS_DMABUF_TRANSFER, &req) < 0 ? -errno : 0;
}

int fg_dmabuf_export_fence(const struct fg_dmabuf *b)
{
	/* WRITE: every fence, an IN transfer's read fence included. */
	struct dma_buf_export_sync_file req = { .flags = DMA_BUF_SYNC_WRITE, .fd = -1 };

	if (ioctl(b->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &req) < 0)
		return -errno;
	return req.fd;
}

int fg_dmabuf_sync_status(int sync_fd)
{
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info) < 0)
		return -errno;
	return info.status;
}

int fg_dmabuf_cpu_write(const struct fg_dmabuf *b, bool start)
{
	struct dma_buf_sync sync = {
		.flags = DMA_BUF_SYNC_WRITE | (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END),
	};

	return ioctl(b->fd, DMA_BUF_IOCTL_SYNC, &sync) < 0 ? -errno : 0;
}

const char *fg_dmabuf_refusal(int err, bool *expected)
{
	*expected = true;
	switch (err) {
	case -ENOTTY:
		return "this kernel's FunctionFS has no DMABUF ioctls (Linux 6.9 on)";
	case -EPERM:
		return "the UDC cannot take scatter-gather requests (no sg_supported)";
	case -ENOENT:
		return "no " FG_UDMABUF_DEV " (a kernel without CONFIG_UDMABUF, or udmabuf not loaded)";
	case -EACCES:
		*expected = false;
		return FG_UDMABUF_DEV " is not accessible to this user (root only without a udev rule)";
	default:
		*expected = false;
		return strerror(-err);
	}
}

const char *fg_dmabuf_udc_note(const char *driver)
{
	if (strcmp(driver, "dwc3") == 0)
		return "dwc3 takes scatter-gather requests (sg_supported): buffers should attach";
	if (strcmp(driver, "dwc2") == 0)
		return "dwc2 takes scatter-gather requests only with descriptor DMA "
		       "(g-dma-desc); run --dmabuf says whether buffers attach";
	if (strcmp(driver, "dummy_udc") == 0)
		return "the stock dummy_hcd takes no scatter-gather requests (ffsgadget's test "
		       "patch adds them); run --dmabuf says whether buffers attach";
	return "whether this UDC takes scatter-gather requests (sg_supported) is not visible "
	       "from user space; run --dmabuf says whether buffers attach";
}
