# cmake -DSOKET=<the soket binary> -DOUT=<soket.1> -DVERSION=x.y.z -P man_page.cmake
# Writes the soket(1) man page from the program's own --help texts: the main one, then one
# section per subcommand, so the page never disagrees with the program.
function(help_of out)
  execute_process(COMMAND ${SOKET} ${ARGN} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${SOKET} ${ARGN} --help failed (${rc})")
  endif()
  string(REPLACE "${SOKET}" "soket" text "${text}")  # "Usage: soket serve", not the build path
  # roff: a backslash is \e; a line starting with . or ' would be a request.
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

string(TIMESTAMP today "%Y-%m-%d" UTC)
help_of(main)
set(page ".TH SOKET 1 \"${today}\" \"soket ${VERSION}\" \"User Commands\"
.SH NAME
soket \\- a real-time socket server for IoT: Socket.IO, TCP/UDP devices, TCP chat, dashboard
.SH SYNOPSIS
.B soket serve
[\\fIOPTIONS\\fR]
.br
.B soket simulate
[\\fIOPTIONS\\fR]
.br
.B soket command
[\\fIOPTIONS\\fR] \\fITARGET\\fR \\fICOMMAND\\fR
.SH DESCRIPTION
.nf
${main}.fi
")
foreach(sub serve simulate command)
  help_of(text ${sub})
  string(TOUPPER "${sub}" upper)
  string(APPEND page ".SH \"SOKET ${upper}\"\n.nf\n${text}.fi\n")
endforeach()
string(APPEND page ".SH FILES
.TP
.I /etc/soket/soket.toml
the configuration of the soket service (\\fBsystemctl status soket\\fR)
.TP
.I /var/lib/soket
its data: the SQLite database soket.db
.SH SIGNALS
SIGTERM and SIGINT stop soket cleanly (listeners closed, the last batch committed, exit 0);
SIGHUP reloads the TLS certificate and key.
")
file(WRITE ${OUT} "${page}")
