/* libFuzzer target: any bytes as a document `veriport status --from`
 * reads (a file saved on another host) are taken or refused, and the
 * fleet's table, JSON and Nagios line are whole and safe to print: every
 * line of the table safe text, the Nagios answer one line without a '|'
 * before its perfdata, the JSON valid. The first byte picks the table's
 * width and style. */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "veriport/report.h"
#include "veriport/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every line of TEXT (N bytes) is safe text. */
static bool lines_safe(char *text, size_t n)
{
	if (strlen(text) != n)
		return false;
	for (char *save, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		if (!text_is_safe(l))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 1 << 20)
		return 0;
	struct report_style style = {
	    .verbose = data[0] & 1,
	    .failed_only = data[0] & 2,
	    .width = REPORT_WIDTH_MIN + (data[0] >> 2),
	};
	struct report_fleet *f = report_fleet_new();
	report_fleet_add(f, "host\x1b[31m", (const char *)data + 1, size - 1);
	report_fleet_add_error(f, "gone", "no such\nfile");
	char *buf;
	size_t n;
	FILE *out = open_memstream(&buf, &n);
	report_fleet_table(out, f, &style);
	fclose(out);
	if (!lines_safe(buf, n))
		__builtin_trap();
	free(buf);

	out = open_memstream(&buf, &n);
	report_fleet_nagios(out, f);
	fclose(out);
	char *bar = strchr(buf, '|');
	if (n == 0 || strchr(buf, '\n') != buf + n - 1 || bar == NULL ||
	    strchr(bar + 1, '|') != NULL || !lines_safe(buf, n))
		__builtin_trap();
	free(buf);

	out = open_memstream(&buf, &n);
	if (report_fleet_json(out, f) != 0)
		__builtin_trap();
	fclose(out);
	json_t *doc = json_loadb(buf, n, 0, NULL);
	if (doc == NULL)
		__builtin_trap();
	json_decref(doc);
	free(buf);
	report_fleet_free(f);
	return 0;
}
