/* `veriport respond`: its options and its run, for veriport.c's main. */
#ifndef VERIPORT_CMD_RESPOND_H
#define VERIPORT_CMD_RESPOND_H

/* The usage lines veriport's own usage text shows for respond. */
#define CMD_RESPOND_USAGE                                                      \
	"       veriport respond --profile NAME --role ROLE [--bind ADDR]... " \
	"[--duration SECONDS]\n"                                               \
	"                        [--only CHANNEL]... [--optional] "            \
	"[--token-file FILE]\n"                                                \
	"                        [--control-port PORT] [--cert FILE --key "    \
	"FILE]\n"                                                              \
	"                        [--catalog-dir DIR] [--max-clients N]\n"

/* ARGV[0] is "respond". Returns the exit status (respond.h). */
int cmd_respond(int argc, char **argv);

#endif
