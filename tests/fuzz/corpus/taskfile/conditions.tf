mode ?= debug
srcs = main.c util.c
if mode == "debug" && os() != "none"
cflags = -g
else if !exists("x") || arch() == "x"
cflags = -O2
else
cflags = -Os
end
objs = {{patsubst("%.c", "{{mode}}/%.o", filter_out("x.c", srcs))}}
prog: {{objs}}
    cc {{cflags}} -o {{out}} {{in[1:]}} {{in[:-1]}} {{in[0:1]}}
%.o: %.c
    cc -c {{if(mode == "debug", "-g", "")}} {{in}}
