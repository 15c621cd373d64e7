/* The JSON API (server/h_api.c): the route table is api_routes in server/server.h. */
#ifndef SALA_H_API_H
#define SALA_H_API_H

/* Registers the API's error messages (server/msgs_api.c; call once at start-up). */
void api_messages_register(void);

#endif
