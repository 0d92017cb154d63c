/* libFuzzer target: any bytes given to the catalog parser end in a catalog
 * or a refusal with a message, never a crash, a hang or a leak. Accepted
 * catalogs also go through both reports, and their JSON is complete. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "veriport/catalog.h"
#include "veriport/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (sink == NULL)
		sink = fopen("/dev/null", "w");
	struct catalog *cat;
	struct catalog_error err;
	if (catalog_parse("fuzz", (const char *)data, size, &cat, &err) == 0) {
		report_catalog_show_table(sink, cat, 80);
		/* An accepted catalog is UTF-8 text: its JSON loses nothing. */
		if (report_catalog_show_json(sink, cat) != 0)
			__builtin_trap();
		catalog_free(cat);
	} else if (err.msg[0] == '\0' || strncmp(err.msg, "fuzz:", 5) != 0) {
		__builtin_trap(); /* every refusal names the file and line */
	}
	return 0;
}
