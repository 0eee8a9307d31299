/* svc.c -- one handler per RPC (docs/design.md section 3), each a few lines that
 * call into the step files (session.h).  The connection a call arrived on is server_conn(). */
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "kimberley.h"
#include "server.h"
#include "session.h"

bool_t
hello_1_svc(hello_arg a, hello_res *r, struct svc_req *rq)
{
	(void)rq;
	session_hello(server_conn(), &a, r);
	return TRUE;
}

bool_t
auth_step_1_svc(auth_arg a, auth_res *r, struct svc_req *rq)
{
	(void)rq;
	session_auth(server_conn(), &a, r);
	return TRUE;
}

bool_t
send_file_1_svc(char *filename, int size, int *r, struct svc_req *rq)
{
	(void)rq;
	*r = session_send_begin(
	    server_conn(), filename, strlen(filename), size, 0);
	return TRUE;
}

bool_t
send_file64_1_svc(file_arg a, int *r, struct svc_req *rq)
{
	(void)rq;
	if (a.size > INT64_MAX)
		a.size = (u_quad_t)-1 >> 1; /* refused as too big */
	*r = session_send_begin(server_conn(), a.name.name_val, a.name.name_len,
	    (int64_t)a.size, 1);
	return TRUE;
}

bool_t
send_file_partial_1_svc(data part, int *r, struct svc_req *rq)
{
	(void)rq;
	*r = session_send_piece(server_conn(), &part);
	return TRUE;
}

/* Batched: never answered; a refusal is kept for SEND_FILE_END. */
bool_t
send_file_batch_1_svc(data part, void *r, struct svc_req *rq)
{
	(void)r;
	(void)rq;
	session_send_piece(server_conn(), &part);
	return FALSE;
}

bool_t
send_file_end_1_svc(file_end e, int *r, struct svc_req *rq)
{
	(void)rq;
	*r = session_send_end(server_conn(), (unsigned char *)e.sha256);
	return TRUE;
}

bool_t
use_persistent_state_1_svc(char *filename, int *r, struct svc_req *rq)
{
	(void)rq;
	*r = session_use_floppy(server_conn(), filename);
	return TRUE;
}

bool_t
use_kimberlize_file_1_svc(
    char *vm_name, char *patch_file, int *r, struct svc_req *rq)
{
	(void)rq;
	*r = session_start(server_conn(), vm_name, patch_file, 0);
	return TRUE;
}

bool_t
use_kimberlize_url_1_svc(
    char *vm_name, char *patch_url, int *r, struct svc_req *rq)
{
	(void)rq;
	*r = session_start(server_conn(), vm_name, patch_url, 1);
	return TRUE;
}

bool_t
use_usb_cable_1_svc(int *r, struct svc_req *rq)
{
	(void)rq;
	*r = session_use_usb(server_conn());
	return TRUE;
}

bool_t
session_info_1_svc(session_res *r, struct svc_req *rq)
{
	(void)rq;
	session_info(server_conn(), r);
	return TRUE;
}

bool_t
list_bases_1_svc(bases_res *r, struct svc_req *rq)
{
	(void)rq;
	session_bases(server_conn(), r);
	return TRUE;
}

bool_t
end_usage_1_svc(bool_t retrieve_state, end_res *r, struct svc_req *rq)
{
	(void)rq;
	session_end(server_conn(), retrieve_state, r);
	return TRUE;
}

bool_t
retrieve_file_1_svc(char *filename, int *r, struct svc_req *rq)
{
	file_res fr;

	(void)rq;
	*r = session_retrieve_open(server_conn(), filename, &fr);
	return TRUE;
}

bool_t
retrieve_file64_1_svc(char *filename, file_res *r, struct svc_req *rq)
{
	(void)rq;
	session_retrieve_open(server_conn(), filename, r);
	return TRUE;
}

bool_t
retrieve_partial_1_svc(data *r, struct svc_req *rq)
{
	(void)rq;
	session_retrieve_piece(server_conn(), r);
	return TRUE;
}

bool_t
last_error_1_svc(char **r, struct svc_req *rq)
{
	(void)rq;
	*r = strdup(server_conn()->last_error);
	return TRUE;
}

bool_t
attach_disk_1_svc(attach_arg a, attach_res *r, struct svc_req *rq)
{
	(void)rq;
	session_attach_disk(server_conn(), &a, r);
	return TRUE;
}

bool_t
attach_stream_1_svc(attach_token t, int *r, struct svc_req *rq)
{
	(void)rq;
	*r = session_attach_stream(server_conn(), &t);
	return TRUE;
}

int
kimberley_prog_1_freeresult(SVCXPRT *x, xdrproc_t xdr_result, caddr_t result)
{
	(void)x;
	xdr_free(xdr_result, result);
	return 1;
}
