/* libFuzzer target: any bytes as veriport.conf or as an interceptors list
 * end in a parsed file or a refusal naming the file, never a crash, a
 * hang or a leak. The first byte picks the parser. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "veriport/conf.h"
#include "veriport/intercept.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char err[512] = "";
	const char *text = (const char *)data + 1;
	if (data[0] & 1) {
		struct intercept_list *l;
		if (intercept_parse("fuzz", text, size - 1, &l, err,
				    sizeof err) == 0)
			intercept_free(l);
		else if (strncmp(err, "fuzz:", 5) != 0)
			__builtin_trap();
	} else {
		struct conf *c;
		if (conf_parse("fuzz", text, size - 1, &c, err, sizeof err) ==
		    0)
			conf_free(c);
		else if (strncmp(err, "fuzz", 4) != 0)
			__builtin_trap();
	}
	return 0;
}
