/*
 * Commands of the domain areas, added to the table in cli/main.c.
 * Each area adds its entries to COMMANDS_MORE and declares its functions here.
 */
#ifndef SALA_COMMANDS_H
#define SALA_COMMANDS_H

#define COMMANDS_MORE

#endif
