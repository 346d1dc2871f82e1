/*
 * A test-only stand-in for Windows' bcryptprimitives.dll, which Wine 8.0
 * lacks and Go's runtime loads at start (ProcessPrng, Windows 10+). It is
 * copied into a Wine prefix's system32 by tools/wine/prefix.sh and is never
 * shipped: real Windows has the real one.
 */
#include <windows.h>

/* RtlGenRandom, exported by advapi32 as SystemFunction036. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
	while (size > 0) {
		ULONG n = size > 0x40000000 ? 0x40000000 : (ULONG)size;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		size -= n;
	}
	return TRUE;
}
