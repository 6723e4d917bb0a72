/*
 * Test-only shim for Wine 8.0 (Debian 12), which lacks bcryptprimitives.dll:
 * Go >= 1.24 on Windows gets its random bytes from ProcessPrng there and
 * exits with "bcryptprimitives.dll not found" without it. This DLL exports
 * ProcessPrng over RtlGenRandom (advapi32's SystemFunction036). It is copied
 * into the throwaway Wine prefix of scripts/wine-smoke only: never shipped,
 * never installed on a user's machine (real Windows 10+ has the real one).
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
