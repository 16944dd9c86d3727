#include "lib/wasi/errno.h"

#include <cerrno>

namespace wasmhost::wasi {

abi::Errno FromHostErrno(int host_errno) {
  switch (host_errno) {
    case 0:
      return abi::kSuccess;
    case E2BIG:
      return abi::k2Big;
    case EACCES:
      return abi::kAcces;
    case EADDRINUSE:
      return abi::kAddrInUse;
    case EADDRNOTAVAIL:
      return abi::kAddrNotAvail;
    case EAFNOSUPPORT:
      return abi::kAfNoSupport;
    case EAGAIN:
      return abi::kAgain;  // == EWOULDBLOCK
    case EALREADY:
      return abi::kAlready;
    case EBADF:
      return abi::kBadf;
    case EBADMSG:
      return abi::kBadMsg;
    case EBUSY:
      return abi::kBusy;
    case ECANCELED:
      return abi::kCanceled;
    case ECHILD:
      return abi::kChild;
    case ECONNABORTED:
      return abi::kConnAborted;
    case ECONNREFUSED:
      return abi::kConnRefused;
    case ECONNRESET:
      return abi::kConnReset;
    case EDEADLK:
      return abi::kDeadlk;
    case EDESTADDRREQ:
      return abi::kDestAddrReq;
    case EDOM:
      return abi::kDom;
    case EDQUOT:
      return abi::kDquot;
    case EEXIST:
      return abi::kExist;
    case EFAULT:
      return abi::kFault;
    case EFBIG:
      return abi::kFbig;
    case EHOSTUNREACH:
      return abi::kHostUnreach;
    case EIDRM:
      return abi::kIdrm;
    case EILSEQ:
      return abi::kIlseq;
    case EINPROGRESS:
      return abi::kInProgress;
    case EINTR:
      return abi::kIntr;
    case EINVAL:
      return abi::kInval;
    case EIO:
      return abi::kIo;
    case EISCONN:
      return abi::kIsConn;
    case EISDIR:
      return abi::kIsDir;
    case ELOOP:
      return abi::kLoop;
    case EMFILE:
      return abi::kMfile;
    case EMLINK:
      return abi::kMlink;
    case EMSGSIZE:
      return abi::kMsgSize;
    case EMULTIHOP:
      return abi::kMultihop;
    case ENAMETOOLONG:
      return abi::kNameTooLong;
    case ENETDOWN:
      return abi::kNetDown;
    case ENETRESET:
      return abi::kNetReset;
    case ENETUNREACH:
      return abi::kNetUnreach;
    case ENFILE:
      return abi::kNfile;
    case ENOBUFS:
      return abi::kNoBufs;
    case ENODEV:
      return abi::kNoDev;
    case ENOENT:
      return abi::kNoEnt;
    case ENOEXEC:
      return abi::kNoExec;
    case ENOLCK:
      return abi::kNoLck;
    case ENOLINK:
      return abi::kNoLink;
    case ENOMEM:
      return abi::kNoMem;
    case ENOMSG:
      return abi::kNoMsg;
    case ENOPROTOOPT:
      return abi::kNoProtoOpt;
    case ENOSPC:
      return abi::kNoSpc;
    case ENOSYS:
      return abi::kNoSys;
    case ENOTCONN:
      return abi::kNotConn;
    case ENOTDIR:
      return abi::kNotDir;
    case ENOTEMPTY:
      return abi::kNotEmpty;
    case ENOTRECOVERABLE:
      return abi::kNotRecoverable;
    case ENOTSOCK:
      return abi::kNotSock;
    case ENOTSUP:
      return abi::kNotSup;  // == EOPNOTSUPP on Linux
    case ENOTTY:
      return abi::kNotTy;
    case ENXIO:
      return abi::kNxio;
    case EOVERFLOW:
      return abi::kOverflow;
    case EOWNERDEAD:
      return abi::kOwnerDead;
    case EPERM:
      return abi::kPerm;
    case EPIPE:
      return abi::kPipe;
    case EPROTO:
      return abi::kProto;
    case EPROTONOSUPPORT:
      return abi::kProtoNoSupport;
    case EPROTOTYPE:
      return abi::kProtoType;
    case ERANGE:
      return abi::kRange;
    case EROFS:
      return abi::kRofs;
    case ESPIPE:
      return abi::kSpipe;
    case ESRCH:
      return abi::kSrch;
    case ESTALE:
      return abi::kStale;
    case ETIMEDOUT:
      return abi::kTimedOut;
    case ETXTBSY:
      return abi::kTxtBsy;
    case EXDEV:
      return abi::kXdev;
    default:
      return abi::kIo;
  }
}

abi::Errno FromStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return abi::kSuccess;
    case absl::StatusCode::kFailedPrecondition:
      return abi::kPipe;
    case absl::StatusCode::kResourceExhausted:
      return abi::kNoSpc;
    case absl::StatusCode::kOutOfRange:
      return abi::kFbig;
    case absl::StatusCode::kPermissionDenied:
      return abi::kAcces;
    default:
      return abi::kIo;
  }
}

}  // namespace wasmhost::wasi
