/* files.h — what the unit tests of common/ do to files: corrupt a byte,
 * count a folder's entries, fill in a binfile header.  Header-only, like
 * check.h: each test is one program. */
#ifndef DCUE_TEST_FILES_H
#define DCUE_TEST_FILES_H

#include "binfile.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

/* XORs the byte at off of path with mask. */
static inline void flip_bits(const char *path, long off, int mask)
{
	FILE *fp = fopen(path, "r+b");
	int c;

	fseek(fp, off, SEEK_SET);
	c = getc(fp);
	fseek(fp, off, SEEK_SET);
	putc(c ^ mask, fp);
	fclose(fp);
}

/* Files in dir, hidden ones included; -1 when it cannot be opened. */
static inline int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* The header of a file of n bytes (BIN_U8, dims [n]) after meta_bytes of meta. */
static inline void u8_header(struct bin_header *h, const char *magic, uint32_t version, size_t n,
                             uint32_t meta_bytes)
{
	memset(h, 0, sizeof *h);
	memcpy(h->magic, magic, 8);
	h->version = version;
	h->dtype = BIN_U8;
	h->dims[0] = n;
	h->meta_bytes = meta_bytes;
	h->payload_bytes = n;
}

#endif
