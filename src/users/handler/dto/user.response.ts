import { ApiProperty } from '@nestjs/swagger';
import type { User } from '../../data/user.entity.js';
import type { UserAtVersion } from '../../service/users.service.js';

export class UserResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  email: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ description: "Version of the user's event stream" })
  version: number;

  @ApiProperty()
  created_at: string;

  @ApiProperty()
  updated_at: string;

  static from(user: User): UserResponse {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      version: user.version,
      created_at: new Date(user.createdAt).toISOString(),
      updated_at: new Date(user.updatedAt).toISOString(),
    };
  }

  /** A state rebuilt from events (GET /users/:id?at_version=n). */
  static fromState(user: UserAtVersion): UserResponse {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      version: user.version,
      created_at: user.createdAt,
      updated_at: user.updatedAt,
    };
  }
}
