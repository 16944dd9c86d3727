;; Imports WASI 0.2.0's socket interfaces as a networked guest would (an
;; older patch version than the host defines): try() creates a TCP socket
;; and returns the error-code case it got, or 100 if it got a socket.
(component
  (import "wasi:sockets/network@0.2.0" (instance $network
    (export "network" (type (sub resource)))
    (type $ec (enum "unknown" "access-denied" "not-supported"))
    (export "error-code" (type (eq $ec)))
    (type $family (enum "ipv4" "ipv6"))
    (export "ip-address-family" (type (eq $family)))
  ))
  (alias export $network "error-code" (type $error-code))
  (alias export $network "ip-address-family" (type $family))
  (import "wasi:sockets/tcp@0.2.0" (instance $tcp
    (export "tcp-socket" (type (sub resource)))
  ))
  (alias export $tcp "tcp-socket" (type $socket))
  (import "wasi:sockets/tcp-create-socket@0.2.0" (instance $create
    (alias outer 1 $error-code (type $ec))
    (export "error-code" (type $ec-e (eq $ec)))
    (alias outer 1 $family (type $f))
    (export "ip-address-family" (type $f-e (eq $f)))
    (alias outer 1 $socket (type $s))
    (export "tcp-socket" (type $s-e (eq $s)))
    (type $r (result (own $s-e) (error $ec-e)))
    (export "create-tcp-socket"
      (func (param "address-family" $f-e) (result $r)))
  ))
  (alias export $create "create-tcp-socket" (func $create-tcp-socket))

  (core module $mem (memory (export "memory") 1))
  (core instance $mem-i (instantiate $mem))
  (alias core export $mem-i "memory" (core memory $memory))
  (core func $create-lowered
    (canon lower (func $create-tcp-socket) (memory $memory)))
  (core module $m
    (import "env" "memory" (memory 1))
    (import "sock" "create" (func $create (param i32 i32)))
    (func (export "try") (result i32)
      (call $create (i32.const 0) (i32.const 16))
      (if (result i32) (i32.load8_u (i32.const 16))
        (then (i32.load8_u (i32.const 20)))
        (else (i32.const 100)))))
  (core instance $m-i (instantiate $m
    (with "env" (instance (export "memory" (memory $memory))))
    (with "sock" (instance (export "create" (func $create-lowered))))))
  (alias core export $m-i "try" (core func $try-core))
  (func $try (result u32) (canon lift (core func $try-core)))
  (export "try" (func $try))
)
