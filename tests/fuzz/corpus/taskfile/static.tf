progs = main util
all: {{progs}}
{{progs}}: %: %.o | util.h
    cc -o {{out}} {{in}} # {{stem}}
task t *a:
    echo {{sort(a)}} {{uniq(a)}} {{words(a)}} {{first(a)}} {{last(a)}} {{upper(a)}} {{lower(a)}}
    echo {{subst("a", "b", a)}} {{replace(a, "a", "b")}} {{strip(a)}} {{prefix("-", a)}} {{suffix("-", a)}}
    echo {{quote(a)}} {{path_join("d", a)}} {{abspath(a)}} {{read_file("/baton-fuzz/vars.tf")}} {{filter-out("%", a)}}
