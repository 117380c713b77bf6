/* Big allocations straight from the system: on huge pages, or on pages of
 * their own to give back early. */
#include "os/os.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

void *os_alloc_big(size_t n)
{
	char *p, *start;
	size_t head;

	/* aligned to OS_BIG, so that every OS_BIG of it can be one huge page */
	p = mmap(NULL, n + OS_BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = (size_t)(-(uintptr_t)p & (OS_BIG - 1));
	start = p + head;
	if (head)
		munmap(p, head);
	munmap(start + n, OS_BIG - head);
#ifdef MADV_HUGEPAGE
	madvise(start, n, MADV_HUGEPAGE);
#endif
	return start;
}

void *os_alloc_pages(size_t n, bool fill)
{
	/* to be filled at once: a fault for each page would cost more */
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | (fill ? MAP_POPULATE : 0), -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void os_fill(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t start = (uintptr_t)p & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);

	if (n)
		madvise((void *)start, n + ((uintptr_t)p - start), MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)n;
#endif
}

void os_free_big(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

